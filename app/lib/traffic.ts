/** Derived views of the traffic rows: per link, per channel, and the node × node matrix. */
import type { TrafficRow } from '../../protocol/model.ts';

/** Key of an undirected link, ends sorted as the model does (`a < b`). */
export function linkKey(x: string, y: string): string {
  return x < y ? `${x}|${y}` : `${y}|${x}`;
}

/** Bytes/s over each undirected link, both directions summed. */
export function bytesPerLink(rows: readonly TrafficRow[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of rows) {
    const key = linkKey(row.from, row.to);
    out.set(key, (out.get(key) ?? 0) + row.bytesPerSec);
  }
  return out;
}

/** Minimum and maximum stroke width of a link line, in SVG units. */
export const MIN_LINK_WIDTH = 1.5;
export const MAX_LINK_WIDTH = 9;

/**
 * Width of a link line by its bytes/s relative to the busiest link, on a square-root scale so a
 * quiet link stays visible next to a busy one.
 */
export function linkWidth(bytesPerSec: number, maxBytesPerSec: number): number {
  if (maxBytesPerSec <= 0 || bytesPerSec <= 0) return MIN_LINK_WIDTH;
  const ratio = Math.min(1, Math.sqrt(bytesPerSec / maxBytesPerSec));
  // Half-unit steps: small rate changes leave the attribute alone instead of touching every line.
  return Math.round((MIN_LINK_WIDTH + ratio * (MAX_LINK_WIDTH - MIN_LINK_WIDTH)) * 2) / 2;
}

/** The rows of one link (either direction), sorted by direction, then channel. */
export function rowsOfLink(rows: readonly TrafficRow[], a: string, b: string): TrafficRow[] {
  return rows
    .filter((r) => (r.from === a && r.to === b) || (r.from === b && r.to === a))
    .sort((x, y) =>
      x.from !== y.from
        ? x.from === a
          ? -1
          : 1
        : x.channel < y.channel
          ? -1
          : x.channel > y.channel
            ? 1
            : 0,
    );
}

export interface TrafficMatrix {
  /** row and column order */
  readonly nodes: readonly string[];
  /** `cells[i][j]`: bytes/s sent by `nodes[i]` to `nodes[j]`, all channels */
  readonly cells: readonly (readonly number[])[];
  readonly max: number;
}

/**
 * The sender × receiver matrix of bytes/s. Rows naming a node outside `nodes` are ignored, so the
 * matrix always matches the nodes drawn elsewhere.
 */
export function buildMatrix(rows: readonly TrafficRow[], nodes: readonly string[]): TrafficMatrix {
  const index = new Map(nodes.map((n, i) => [n, i]));
  const cells = nodes.map(() => nodes.map(() => 0));
  let max = 0;
  for (const row of rows) {
    const i = index.get(row.from);
    const j = index.get(row.to);
    if (i === undefined || j === undefined) continue;
    const cell = (cells[i]![j] ?? 0) + row.bytesPerSec;
    cells[i]![j] = cell;
    max = Math.max(max, cell);
  }
  return { nodes, cells, max };
}

/** Background of a matrix cell: transparent at 0, full accent at the busiest cell. */
export function matrixShade(value: number, max: number): number {
  if (max <= 0 || value <= 0) return 0;
  return Math.round(Math.max(0.08, Math.sqrt(value / max)) * 100) / 100;
}
