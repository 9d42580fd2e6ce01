/** Shard map summaries: shards per owner, and ownership moves over time. */
import type { ModelEvent, ModelShard } from '../../protocol/model.ts';

/** Number of shards each owner holds (unowned shards under `null`), owners sorted by name. */
export function shardsPerOwner(shards: readonly ModelShard[]): Map<string | null, number> {
  const counts = new Map<string | null, number>();
  for (const s of shards) counts.set(s.owner, (counts.get(s.owner) ?? 0) + 1);
  return new Map(
    [...counts].sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0)),
  );
}

export interface MoveBucket {
  /** bucket start, ms since epoch */
  readonly t: number;
  readonly moves: number;
}

/**
 * Ownership changes per bucket between `from` and `to`, empty buckets included so the chart's
 * time axis is continuous. A move is counted once per (shard, epoch), however many nodes report it.
 */
export function movesOverTime(
  events: readonly ModelEvent[],
  from: number,
  to: number,
  bucketMs: number,
): MoveBucket[] {
  const start = Math.floor(from / bucketMs) * bucketMs;
  const count = Math.max(0, Math.min(2_000, Math.ceil((to - start) / bucketMs)));
  const buckets = Array.from({ length: count }, (_, i) => ({ t: start + i * bucketMs, moves: 0 }));
  const seen = new Set<string>();
  for (const e of events) {
    const ev = e.event;
    // Nodes with leases report `lease acquired` rather than `ownership`; either marks a move.
    const moved = ev.type === 'ownership' || (ev.type === 'lease' && ev.action === 'acquired');
    if (!moved || e.at < start || e.at >= to) continue;
    const key = `${ev.shard}|${ev.epoch}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const bucket = buckets[Math.floor((e.at - start) / bucketMs)];
    if (bucket !== undefined) bucket.moves += 1;
  }
  return buckets;
}

/** The title of a shard cell (shown on hover): owner, epoch, claimants, conflict and handoff. */
export function shardTitle(s: ModelShard): string {
  const parts = [`shard ${s.shard}`, `owner ${s.owner ?? 'none'}`, `epoch ${s.epoch}`];
  if (s.conflict)
    parts.push(
      `CONFLICT: ${s.claimants
        .filter((c) => c.role === 'owner')
        .map((c) => c.node)
        .join(' and ')} both claim it`,
    );
  if (s.handoff)
    parts.push(
      `handoff: ${s.claimants
        .filter((c) => c.role !== 'owner')
        .map((c) => `${c.node} ${c.role.replace('_', ' ')}`)
        .join(', ')}`,
    );
  return parts.join(' · ');
}
