/**
 * What the canvas topology (large clusters) draws, as plain element descriptions for the graph
 * renderer, and the difference between two drawings, so that a model update touches only the
 * elements whose look changed (a kill at 100 nodes: one node and its 99 links, not 5,050).
 */
import { LINK_COLORS } from './colors.ts';
import { shortName } from './format.ts';
import type { Topology } from './topology.ts';

/** Above this many nodes the topology is drawn on a canvas, with an accessible table beside. */
export const CANVAS_TOPOLOGY_MIN_NODES = 17;

export const NODE_FILL = { up: '#2da44e', down: '#cf222e', unknown: '#8c959f' } as const;

export interface GraphNode {
  readonly id: string;
  readonly label: string;
  readonly color: string;
  /** 1, or faded when the viewer does not see it */
  readonly opacity: number;
  readonly viewer: boolean;
  readonly hidden: boolean;
  readonly x: number;
  readonly y: number;
  /** label offset, outward from the circle's centre */
  readonly lx: number;
  readonly ly: number;
}

export interface GraphEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly color: string;
  readonly width: number;
  readonly opacity: number;
  /** drawn above healthy links: down, blackholed, asymmetric */
  readonly problem: boolean;
  readonly dashed: boolean;
  readonly selected: boolean;
}

export interface GraphElements {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

const LABEL_OFFSET = 12;

/**
 * Node and edge descriptions of a drawn topology. Healthy links are thin and translucent, so a
 * full mesh of 100 reads as a disc and every link that is not up (a few among thousands) stands
 * out on top in its colour.
 */
export function graphElements(
  topo: Topology,
  options: { viewer: string | null; selected: string | null; size: number },
): GraphElements {
  const half = options.size / 2;
  const nodes = topo.nodes.map((n): GraphNode => {
    const dx = n.at.x - half;
    const dy = n.at.y - half;
    const len = Math.hypot(dx, dy) || 1;
    return {
      id: n.name,
      label: shortName(n.name),
      color: NODE_FILL[n.status],
      opacity: n.seen ? 1 : 0.3,
      viewer: n.name === options.viewer,
      hidden: n.hidden,
      x: n.at.x,
      y: n.at.y,
      lx: round((dx / len) * LABEL_OFFSET),
      ly: round((dy / len) * LABEL_OFFSET),
    };
  });
  const edges = topo.links.map((l): GraphEdge => {
    const problem = l.look !== 'up';
    const selected = l.key === options.selected;
    return {
      id: l.key,
      source: l.a,
      target: l.b,
      color: LINK_COLORS[l.look],
      width: selected ? 4 : problem ? Math.max(2, l.width) : Math.max(0.5, l.width / 2),
      opacity: selected || problem ? 0.95 : 0.25,
      problem,
      dashed: l.dashed || l.look === 'blackholed',
      selected,
    };
  });
  return { nodes, edges };
}

const round = (v: number) => Math.round(v * 10) / 10;

export interface GraphDiff<T> {
  readonly add: readonly T[];
  readonly remove: readonly string[];
  readonly update: readonly T[];
}

/** What changed between two lists of elements, by id and by value. */
export function diffElements<T extends { readonly id: string }>(
  before: readonly T[],
  after: readonly T[],
): GraphDiff<T> {
  const old = new Map(before.map((e) => [e.id, e]));
  const add: T[] = [];
  const update: T[] = [];
  for (const e of after) {
    const prev = old.get(e.id);
    if (prev === undefined) add.push(e);
    else if (!sameValues(prev, e)) update.push(e);
    old.delete(e.id);
  }
  return { add, remove: [...old.keys()], update };
}

function sameValues<T extends object>(a: T, b: T): boolean {
  for (const k of Object.keys(b) as (keyof T)[]) if (a[k] !== b[k]) return false;
  return true;
}
