'use client';
/**
 * The mesh: nodes on a circle, links coloured by state and sized by bytes/s, partition sides as
 * shaded islands, hidden nodes dashed. "As seen by" redraws it as one node's own view, so an
 * asymmetric partition shows as two nodes disagreeing. Clicking a link selects it.
 *
 * A model arrives every second and after every control; each node and link is a memoized element
 * with plain-value props, so an update touches only the marks whose look changed (a kill: one node
 * and its links), never the whole SVG.
 */
import { memo, useMemo } from 'react';
import type { ClusterModel, TrafficRow } from '../../protocol/model.ts';
import { convexHull, toPointsAttr, type Point } from '../lib/circle-layout.ts';
import { LINK_COLORS, sideColor, type LinkLook } from '../lib/colors.ts';
import { formatBytes, runtimeLabel, shortName } from '../lib/format.ts';
import { buildTopology, seenBy, type DrawnLink } from '../lib/topology.ts';
import { CANVAS_TOPOLOGY_MIN_NODES, graphElements } from '../lib/topology-graph.ts';
import { bytesPerLink } from '../lib/traffic.ts';
import { TopologyCanvas } from './topology-canvas.tsx';
import { TopologyTable } from './topology-table.tsx';

const SIZE = 420;
/** The canvas's coordinate space: about its size on screen, so labels keep their font size. */
const CANVAS_SIZE = 640;
const NODE_R = 18;
const ISLAND_PAD = 64;

const STATUS_FILL = { up: '#2da44e', down: '#cf222e', unknown: '#8c959f' } as const;
const LINK_LOOKS = ['up', 'down', 'blackholed', 'asymmetric'] as const;

export interface TopologyProps {
  readonly model: ClusterModel;
  readonly rows: readonly TrafficRow[];
  readonly viewer: string | null;
  readonly onViewer: (node: string | null) => void;
  readonly selected: string | null;
  readonly onSelect: (link: DrawnLink | null) => void;
}

export const Topology = memo(function Topology({
  model,
  rows,
  viewer,
  onViewer,
  selected,
  onSelect,
}: TopologyProps) {
  const linkBytes = useMemo(() => bytesPerLink(rows), [rows]);
  const canvas = model.nodes.length >= CANVAS_TOPOLOGY_MIN_NODES;
  const size = canvas ? CANVAS_SIZE : SIZE;
  const topo = useMemo(
    () => buildTopology(model, rows, { size, viewer, linkBytes }),
    [model, rows, viewer, linkBytes, size],
  );
  const pos = new Map(topo.nodes.map((n) => [n.name, n.at]));
  const runtimes = new Map(model.nodes.map((n) => [n.name, runtimeLabel(n)]));
  const islands = topo.sides.map((side, i) => (
    <Island
      key={i}
      index={i}
      label={`Side ${i + 1}: ${side.join(', ')}`}
      points={side.map((n) => pos.get(n)).filter((p) => p !== undefined)}
    />
  ));
  const groupLabel = viewer === null ? 'Cluster topology' : `Cluster as seen by ${viewer}`;
  return (
    <section className="panel" aria-labelledby="topology-title">
      <div className="panel-head">
        <h2 id="topology-title">Topology</h2>
        <label>
          As seen by{' '}
          <ViewerSelect
            names={model.nodes.map((n) => n.name).join('\n')}
            viewer={viewer}
            onViewer={onViewer}
          />
        </label>
      </div>
      <p className="hint" data-testid="topology-summary">
        {model.partitioned
          ? `Partitioned into ${model.sides.length} sides: ${model.sides.map((s) => s.map(shortName).join(', ')).join(' | ')}`
          : `${model.nodes.filter((n) => n.status === 'up').length} of ${model.nodes.length} nodes up, one island`}
      </p>
      {canvas ? (
        <LargeTopology
          model={model}
          topo={topo}
          size={size}
          viewer={viewer}
          onViewer={onViewer}
          selected={selected}
          onSelect={onSelect}
          islands={islands}
          label={groupLabel}
        />
      ) : (
        <svg
          viewBox={`0 0 ${SIZE} ${SIZE}`}
          className="topology"
          role="group"
          aria-label={groupLabel}
        >
          {islands}
          {topo.links.map((l) => {
            const a = pos.get(l.a);
            const b = pos.get(l.b);
            if (a === undefined || b === undefined) return null;
            return (
              <TopologyLink
                key={l.key}
                link={l}
                look={l.look}
                width={l.width}
                dashed={l.dashed}
                bytesPerSec={l.bytesPerSec}
                x1={a.x}
                y1={a.y}
                x2={b.x}
                y2={b.y}
                selected={selected === l.key}
                onSelect={onSelect}
              />
            );
          })}
          {topo.nodes.map((n) => (
            <TopologyNode
              key={n.name}
              name={n.name}
              status={n.status}
              hidden={n.hidden}
              seen={n.seen}
              runtime={runtimes.get(n.name) ?? null}
              viewer={viewer}
              x={n.at.x}
              y={n.at.y}
            />
          ))}
        </svg>
      )}
      <ul className="legend" aria-label="Link legend">
        {LINK_LOOKS.map((look) => (
          <li key={look}>
            <span className="swatch line" style={{ background: LINK_COLORS[look] }} /> {look}
          </li>
        ))}
        <li>
          <span className="swatch dashed" /> hidden
        </li>
      </ul>
    </section>
  );
});

/** The canvas and its accessible table, for clusters too large for one SVG element per link. */
function LargeTopology({
  model,
  topo,
  size,
  viewer,
  onViewer,
  selected,
  onSelect,
  islands,
  label,
}: {
  model: ClusterModel;
  topo: ReturnType<typeof buildTopology>;
  size: number;
  viewer: string | null;
  onViewer: (node: string | null) => void;
  selected: string | null;
  onSelect: (link: DrawnLink | null) => void;
  islands: React.ReactNode;
  label: string;
}) {
  const elements = useMemo(
    () => graphElements(topo, { viewer, selected, size }),
    [topo, viewer, selected, size],
  );
  const links = useMemo(() => new Map(topo.links.map((l) => [l.key, l])), [topo]);
  const problemKey = topo.links
    .filter((l) => l.look !== 'up')
    .map((l) => `${l.key}:${l.look}`)
    .join('\n');
  // Keyed by content: the table's problem list redraws only when a link changes its look.
  const problemLinks = useMemo(
    () => (problemKey === '' ? [] : topo.links.filter((l) => l.look !== 'up')),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [problemKey],
  );
  const viewerNode = viewer === null ? undefined : model.nodes.find((n) => n.name === viewer);
  const seen = viewerNode === undefined ? null : seenBy(viewerNode);
  return (
    <>
      <TopologyCanvas
        elements={elements}
        size={size}
        links={links}
        viewer={viewer}
        onViewer={onViewer}
        onSelect={onSelect}
        underlay={islands}
        label={`${label}: ${model.nodes.length} nodes on a canvas; click a node to see the cluster as it does, a link to select it. The table below lists every node.`}
      />
      <TopologyTable
        nodes={model.nodes}
        problemLinks={problemLinks}
        viewer={viewer}
        onViewer={onViewer}
        selected={selected}
        onSelect={onSelect}
        seen={seen}
      />
    </>
  );
}

/** The "as seen by" choice; `names` joined by newlines so it only redraws when the set changes. */
const ViewerSelect = memo(function ViewerSelect({
  names,
  viewer,
  onViewer,
}: {
  names: string;
  viewer: string | null;
  onViewer: (node: string | null) => void;
}) {
  return (
    <select
      value={viewer ?? ''}
      onChange={(e) => onViewer(e.target.value === '' ? null : e.target.value)}
      aria-label="As seen by node"
    >
      <option value="">the observatory (all reports)</option>
      {names === ''
        ? null
        : names.split('\n').map((n) => (
            <option key={n} value={n}>
              {shortName(n)}
            </option>
          ))}
    </select>
  );
});

const Island = memo(
  function Island({
    index,
    label,
    points,
  }: {
    index: number;
    label: string;
    points: readonly Point[];
  }) {
    const hull = convexHull(points);
    const color = sideColor(index);
    return (
      <g className="island" data-testid="island" aria-label={label}>
        {hull.length === 1 ? (
          <circle cx={hull[0]!.x} cy={hull[0]!.y} r={ISLAND_PAD / 2} fill={color} opacity={0.15} />
        ) : (
          <polygon
            points={toPointsAttr(hull)}
            fill={color}
            stroke={color}
            strokeWidth={ISLAND_PAD}
            strokeLinejoin="round"
            strokeLinecap="round"
            opacity={0.15}
          />
        )}
      </g>
    );
  },
  // Same side, same corners: the points are rebuilt on every model, their values rarely change.
  (a, b) =>
    a.index === b.index &&
    a.label === b.label &&
    a.points.length === b.points.length &&
    a.points.every((p, i) => p.x === b.points[i]!.x && p.y === b.points[i]!.y),
);

interface TopologyLinkProps {
  /** the drawn link handed to `onSelect`; not compared (the plain values below are) */
  readonly link: DrawnLink;
  readonly look: LinkLook;
  readonly width: number;
  readonly dashed: boolean;
  readonly bytesPerSec: number;
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  readonly selected: boolean;
  readonly onSelect: (link: DrawnLink | null) => void;
}

const TopologyLink = memo(
  function TopologyLink({
    link,
    look,
    width,
    dashed,
    bytesPerSec,
    x1,
    y1,
    x2,
    y2,
    selected,
    onSelect,
  }: TopologyLinkProps) {
    const label = `Link ${shortName(link.a)}–${shortName(link.b)}: ${look}, ${formatBytes(bytesPerSec)}/s`;
    const toggle = () => onSelect(selected ? null : link);
    return (
      <g
        className={`link link-${look}${selected ? ' selected' : ''}`}
        data-testid="link"
        data-state={look}
        role="button"
        tabIndex={0}
        aria-label={label}
        aria-pressed={selected}
        onClick={toggle}
        onKeyDown={(e) => {
          if (e.key === 'Enter' || e.key === ' ') toggle();
        }}
      >
        <title>{label}</title>
        {/* a wide transparent line makes thin links easy to click */}
        <line x1={x1} y1={y1} x2={x2} y2={y2} stroke="transparent" strokeWidth={14} />
        <line
          x1={x1}
          y1={y1}
          x2={x2}
          y2={y2}
          stroke={LINK_COLORS[look]}
          strokeWidth={width}
          strokeDasharray={dashed || look === 'blackholed' ? '6 4' : undefined}
          opacity={look === 'down' ? 0.45 : 0.9}
        />
      </g>
    );
  },
  (a, b) =>
    a.link.key === b.link.key &&
    a.look === b.look &&
    a.width === b.width &&
    a.dashed === b.dashed &&
    a.bytesPerSec === b.bytesPerSec &&
    a.x1 === b.x1 &&
    a.y1 === b.y1 &&
    a.x2 === b.x2 &&
    a.y2 === b.y2 &&
    a.selected === b.selected &&
    a.onSelect === b.onSelect,
);

const TopologyNode = memo(function TopologyNode({
  name,
  status,
  hidden,
  seen,
  runtime,
  viewer,
  x,
  y,
}: {
  name: string;
  status: keyof typeof STATUS_FILL;
  hidden: boolean;
  seen: boolean;
  /** `BEAM OTP 25` for a BEAM node, null for a TypeScript node */
  runtime: string | null;
  viewer: string | null;
  x: number;
  y: number;
}) {
  const label = `${name}: ${status}${runtime === null ? '' : `, ${runtime}`}${hidden ? ', hidden' : ''}${seen ? '' : `, not seen by ${viewer ?? ''}`}`;
  return (
    <g
      className="node"
      data-testid="topology-node"
      data-node={name}
      data-status={status}
      data-runtime={runtime === null ? 'node' : 'beam'}
      role="img"
      aria-label={label}
      opacity={seen ? 1 : 0.35}
    >
      <title>{label}</title>
      <circle
        cx={x}
        cy={y}
        r={NODE_R}
        fill={STATUS_FILL[status]}
        stroke={name === viewer ? 'var(--accent)' : 'var(--panel)'}
        strokeWidth={name === viewer ? 4 : 2}
        strokeDasharray={hidden ? '4 3' : undefined}
      />
      <text x={x} y={y + 4} textAnchor="middle" className="node-label">
        {shortName(name)}
      </text>
      {runtime !== null && (
        <text x={x} y={y + NODE_R + 12} textAnchor="middle" className="node-runtime">
          {runtime.replace('BEAM ', '')}
        </text>
      )}
    </g>
  );
});
