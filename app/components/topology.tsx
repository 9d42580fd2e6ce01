'use client';
/**
 * The mesh: nodes on a circle, links coloured by state and sized by bytes/s, partition sides as
 * shaded islands, hidden nodes dashed. "As seen by" redraws it as one node's own view, so an
 * asymmetric partition shows as two nodes disagreeing. Clicking a link selects it.
 */
import { memo } from 'react';
import type { ClusterModel, TrafficRow } from '../../protocol/model.ts';
import { convexHull, toPointsAttr } from '../lib/circle-layout.ts';
import { LINK_COLORS, sideColor } from '../lib/colors.ts';
import { formatBytes, shortName } from '../lib/format.ts';
import { buildTopology, type DrawnLink } from '../lib/topology.ts';

const SIZE = 420;
const NODE_R = 18;
const ISLAND_PAD = 64;

const STATUS_FILL = { up: '#2da44e', down: '#cf222e', unknown: '#8c959f' } as const;

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
  const topo = buildTopology(model, rows, { size: SIZE, viewer });
  const pos = new Map(topo.nodes.map((n) => [n.name, n.at]));
  return (
    <section className="panel" aria-labelledby="topology-title">
      <div className="panel-head">
        <h2 id="topology-title">Topology</h2>
        <label>
          As seen by{' '}
          <select
            value={viewer ?? ''}
            onChange={(e) => onViewer(e.target.value === '' ? null : e.target.value)}
            aria-label="As seen by node"
          >
            <option value="">the observatory (all reports)</option>
            {model.nodes.map((n) => (
              <option key={n.name} value={n.name}>
                {shortName(n.name)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="hint" data-testid="topology-summary">
        {model.partitioned
          ? `Partitioned into ${model.sides.length} sides: ${model.sides.map((s) => s.map(shortName).join(', ')).join(' | ')}`
          : `${model.nodes.filter((n) => n.status === 'up').length} of ${model.nodes.length} nodes up, one island`}
      </p>
      <svg
        viewBox={`0 0 ${SIZE} ${SIZE}`}
        className="topology"
        role="group"
        aria-label={viewer === null ? 'Cluster topology' : `Cluster as seen by ${viewer}`}
      >
        {topo.sides.map((side, i) => {
          const points = side.map((n) => pos.get(n)).filter((p) => p !== undefined);
          const hull = convexHull(points);
          const color = sideColor(i);
          return (
            <g
              key={i}
              className="island"
              data-testid="island"
              aria-label={`Side ${i + 1}: ${side.join(', ')}`}
            >
              {hull.length === 1 ? (
                <circle
                  cx={hull[0]!.x}
                  cy={hull[0]!.y}
                  r={ISLAND_PAD / 2}
                  fill={color}
                  opacity={0.15}
                />
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
        })}
        {topo.links.map((l) => {
          const a = pos.get(l.a);
          const b = pos.get(l.b);
          if (a === undefined || b === undefined) return null;
          const label = `Link ${shortName(l.a)}–${shortName(l.b)}: ${l.look}, ${formatBytes(l.bytesPerSec)}/s`;
          return (
            <g
              key={l.key}
              className={`link link-${l.look}${selected === l.key ? ' selected' : ''}`}
              data-testid="link"
              data-state={l.look}
              role="button"
              tabIndex={0}
              aria-label={label}
              aria-pressed={selected === l.key}
              onClick={() => onSelect(selected === l.key ? null : l)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') onSelect(selected === l.key ? null : l);
              }}
            >
              <title>{label}</title>
              {/* a wide transparent line makes thin links easy to click */}
              <line x1={a.x} y1={a.y} x2={b.x} y2={b.y} stroke="transparent" strokeWidth={14} />
              <line
                x1={a.x}
                y1={a.y}
                x2={b.x}
                y2={b.y}
                stroke={LINK_COLORS[l.look]}
                strokeWidth={l.width}
                strokeDasharray={l.dashed || l.look === 'blackholed' ? '6 4' : undefined}
                opacity={l.look === 'down' ? 0.45 : 0.9}
              />
            </g>
          );
        })}
        {topo.nodes.map((n) => {
          const label = `${n.name}: ${n.status}${n.hidden ? ', hidden' : ''}${n.seen ? '' : `, not seen by ${viewer ?? ''}`}`;
          return (
            <g
              key={n.name}
              className="node"
              data-testid="topology-node"
              data-node={n.name}
              data-status={n.status}
              role="img"
              aria-label={label}
              opacity={n.seen ? 1 : 0.35}
            >
              <title>{label}</title>
              <circle
                cx={n.at.x}
                cy={n.at.y}
                r={NODE_R}
                fill={STATUS_FILL[n.status]}
                stroke={n.name === viewer ? 'var(--accent)' : 'var(--panel)'}
                strokeWidth={n.name === viewer ? 4 : 2}
                strokeDasharray={n.hidden ? '4 3' : undefined}
              />
              <text x={n.at.x} y={n.at.y + 4} textAnchor="middle" className="node-label">
                {shortName(n.name)}
              </text>
            </g>
          );
        })}
      </svg>
      <ul className="legend" aria-label="Link legend">
        {(['up', 'down', 'blackholed', 'asymmetric'] as const).map((look) => (
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
