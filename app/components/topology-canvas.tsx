'use client';
/**
 * The mesh of a large cluster on a canvas (cytoscape.js, Canvas 2D): at 100 nodes a full mesh is
 * 4,950 links, which as SVG elements cost the page seconds of style and layout per update. The
 * canvas redraws only when an element's look changed (`diffElements`), and cytoscape is loaded
 * after the first paint. Canvas 2D rather than WebGL (sigma.js) because the machines this runs on
 * include headless and GPU-less browsers, where WebGL is missing or emulated on the CPU.
 *
 * Same meaning as the SVG: node colours for status, faded nodes outside the viewer's own view,
 * healthy links thin and translucent, links that are down, blackholed or asymmetric drawn on top
 * in their colour, partition sides as shaded islands. Clicking a node shows the cluster as that
 * node sees it (again: back to all reports); clicking a link selects it. Canvas marks have no
 * accessible names: the node table beside it (`TopologyTable`) is the keyboard and test path.
 */
import { memo, useEffect, useRef, useState } from 'react';
import type {
  Core,
  ElementDefinition,
  EventObject,
  SingularElementArgument,
  StylesheetJson,
} from 'cytoscape';
import {
  diffElements,
  type GraphEdge,
  type GraphElements,
  type GraphNode,
} from '../lib/topology-graph.ts';
import type { DrawnLink } from '../lib/topology.ts';

export interface TopologyCanvasProps {
  readonly elements: GraphElements;
  /** the model's coordinate space: x and y in [0, size] */
  readonly size: number;
  readonly links: ReadonlyMap<string, DrawnLink>;
  readonly viewer: string | null;
  readonly onViewer: (node: string | null) => void;
  readonly onSelect: (link: DrawnLink | null) => void;
  /** shaded partition sides, drawn under the graph in the same coordinates */
  readonly underlay?: React.ReactNode;
  readonly label: string;
}

const STYLE: StylesheetJson = [
  {
    selector: 'node',
    style: {
      width: 12,
      height: 12,
      'background-color': 'data(color)',
      opacity: 'data(opacity)' as unknown as number,
      label: 'data(label)',
      'font-size': 9,
      color: '#57606a',
      'text-valign': 'center',
      'text-halign': 'center',
      'text-margin-x': 'data(lx)' as unknown as number,
      'text-margin-y': 'data(ly)' as unknown as number,
      'min-zoomed-font-size': 5,
    },
  },
  { selector: 'node[?viewer]', style: { 'border-width': 3, 'border-color': '#0969da' } },
  {
    selector: 'node[?hidden]',
    style: { 'border-width': 2, 'border-style': 'dashed', 'border-color': '#57606a' },
  },
  {
    selector: 'edge',
    style: {
      'curve-style': 'haystack',
      'haystack-radius': 0,
      'line-color': 'data(color)',
      width: 'data(width)' as unknown as number,
      opacity: 'data(opacity)' as unknown as number,
      'z-index': 0,
    },
  },
  {
    selector: 'edge[?problem], edge[?selected]',
    style: { 'curve-style': 'straight', 'z-index': 10 },
  },
  { selector: 'edge[?dashed]', style: { 'curve-style': 'straight', 'line-style': 'dashed' } },
];

/** The element an event is about (cytoscape types `target` as any). */
const targetOf = (e: EventObject) => e.target as SingularElementArgument;

const nodeDef = (n: GraphNode): ElementDefinition => ({
  group: 'nodes',
  data: { ...n },
  position: { x: n.x, y: n.y },
});
const edgeDef = (e: GraphEdge): ElementDefinition => ({ group: 'edges', data: { ...e } });

export const TopologyCanvas = memo(function TopologyCanvas({
  elements,
  size,
  links,
  viewer,
  onViewer,
  onSelect,
  underlay,
  label,
}: TopologyCanvasProps) {
  const box = useRef<HTMLDivElement>(null);
  const [cy, setCy] = useState<Core | null>(null);
  const drawn = useRef<GraphElements>({ nodes: [], edges: [] });
  // Handlers read through refs: the graph is created once, its listeners stay.
  const latest = useRef({ links, viewer, onViewer, onSelect });
  latest.current = { links, viewer, onViewer, onSelect };

  useEffect(() => {
    const container = box.current;
    if (container === null) return;
    let instance: Core | null = null;
    let observer: ResizeObserver | null = null;
    let cancelled = false;
    void import('cytoscape').then(({ default: cytoscape }) => {
      if (cancelled) return;
      instance = cytoscape({
        container,
        style: STYLE,
        layout: { name: 'preset' },
        userZoomingEnabled: false,
        userPanningEnabled: false,
        boxSelectionEnabled: false,
        autoungrabify: true,
        autounselectify: true,
        pixelRatio: 1,
      });
      const fit = () => {
        instance?.resize();
        instance?.zoom(container.clientWidth / size);
        instance?.pan({ x: 0, y: 0 });
      };
      fit();
      observer = new ResizeObserver(fit);
      observer.observe(container);
      instance.on('tap', 'node', (e) => {
        const name = targetOf(e).id();
        const { viewer: current, onViewer: set } = latest.current;
        set(current === name ? null : name);
      });
      instance.on('tap', 'edge', (e) => {
        const link = latest.current.links.get(targetOf(e).id());
        latest.current.onSelect(link ?? null);
      });
      instance.on('tap', (e) => {
        if (e.target === instance) latest.current.onSelect(null);
      });
      // The canvas has no titles of its own: name what the pointer is over.
      instance.on('mouseover', 'node, edge', (e) => {
        const el = targetOf(e);
        container.title = el.isNode()
          ? el.id()
          : `Link ${String(el.data('source'))}–${String(el.data('target'))}`;
      });
      instance.on('mouseout', 'node, edge', () => {
        container.title = '';
      });
      drawn.current = { nodes: [], edges: [] };
      setCy(instance);
    });
    return () => {
      cancelled = true;
      observer?.disconnect();
      instance?.destroy();
      setCy(null);
    };
  }, [size]);

  useEffect(() => {
    if (cy === null) return;
    const nodes = diffElements(drawn.current.nodes, elements.nodes);
    const edges = diffElements(drawn.current.edges, elements.edges);
    cy.batch(() => {
      for (const id of [...edges.remove, ...nodes.remove]) cy.getElementById(id).remove();
      if (nodes.add.length > 0) cy.add(nodes.add.map(nodeDef));
      for (const n of nodes.update) {
        const el = cy.getElementById(n.id);
        el.data({ ...n });
        el.position({ x: n.x, y: n.y });
      }
      if (edges.add.length > 0) cy.add(edges.add.map(edgeDef));
      for (const e of edges.update) cy.getElementById(e.id).data({ ...e });
    });
    drawn.current = elements;
    const el = box.current;
    if (el !== null) el.dataset.drawn = String(elements.nodes.length + elements.edges.length);
  }, [cy, elements]);

  return (
    <div className="topology-canvas">
      <svg viewBox={`0 0 ${size} ${size}`} className="topology-underlay" aria-hidden="true">
        {underlay}
      </svg>
      <div
        ref={box}
        className="topology-canvas-graph"
        data-testid="topology-canvas"
        data-nodes={elements.nodes.length}
        data-links={elements.edges.length}
        data-problem-links={elements.edges.filter((e) => e.problem).length}
        role="img"
        aria-label={label}
      />
    </div>
  );
});
