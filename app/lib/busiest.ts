/** The busiest nodes of a traffic window, for views that cannot show every node of a large cluster. */
import type { TrafficRow } from '../../protocol/model.ts';

/**
 * Up to `limit` of `nodes`, those that sent and received the most bytes per second, in the order
 * of `nodes`; all of them when there are no more than `limit`.
 */
export function busiestNodes(
  rows: readonly TrafficRow[],
  nodes: readonly string[],
  limit: number,
): readonly string[] {
  if (nodes.length <= limit) return nodes;
  const bytes = new Map<string, number>();
  for (const r of rows) {
    bytes.set(r.from, (bytes.get(r.from) ?? 0) + r.bytesPerSec);
    bytes.set(r.to, (bytes.get(r.to) ?? 0) + r.bytesPerSec);
  }
  const top = new Set(
    [...nodes]
      .sort((a, b) => (bytes.get(b) ?? 0) - (bytes.get(a) ?? 0) || (a < b ? -1 : 1))
      .slice(0, limit),
  );
  return nodes.filter((n) => top.has(n));
}
