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
import { LINK_COLORS } from '../lib/colors.ts';
import { runtimeLabel, shortName } from '../lib/format.ts';
import { buildTopology, seenBy, type DrawnLink } from '../lib/topology.ts';
import { CANVAS_TOPOLOGY_MIN_NODES, graphElements } from '../lib/topology-graph.ts';
import { bytesPerLink } from '../lib/traffic.ts';
import { TopologyCanvas } from './topology-canvas.tsx';
import { Island, TopologyLink, TopologyNode } from './topology-marks.tsx';
import { TopologyTable } from './topology-table.tsx';

const SIZE = 420;
/** The canvas's coordinate space: about its size on screen, so labels keep their font size. */
const CANVAS_SIZE = 640;
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
