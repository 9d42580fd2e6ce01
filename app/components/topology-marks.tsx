'use client';
/**
 * The SVG topology's marks: a partition side's island, a link and a node. Each is memoized on
 * plain-value props, so a model update redraws only the marks whose look changed.
 */
import { memo } from 'react';
import { convexHull, toPointsAttr, type Point } from '../lib/circle-layout.ts';
import { LINK_COLORS, sideColor, type LinkLook } from '../lib/colors.ts';
import { formatBytes, shortName } from '../lib/format.ts';
import type { DrawnLink } from '../lib/topology.ts';
import { NODE_FILL } from '../lib/topology-graph.ts';

const NODE_R = 18;
const ISLAND_PAD = 64;

export const Island = memo(
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

export const TopologyLink = memo(
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

export const TopologyNode = memo(function TopologyNode({
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
  status: keyof typeof NODE_FILL;
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
        fill={NODE_FILL[status]}
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
