import type { FrameRow, Snapshot } from '../protocol/telemetry.ts';
import { deserializeSketch, mergeSketches } from '../protocol/sketch.ts';
import { estimateSnapshotBytes } from './buffer.ts';
import { OVERFLOW_CHANNEL, OVERFLOW_PEER } from './traffic.ts';

/**
 * Keeps one snapshot under `maxBytes` (estimated) by folding its quietest frame rows into the
 * overflow rows, sketches merged, so that totals stay exact. A snapshot the server cannot take
 * in one message would otherwise be resent forever. Rare: it needs hundreds of busy rows with
 * widely spread sizes. Returns the number of frames folded.
 */
export function fitSnapshot(snapshot: Snapshot, maxBytes: number): number {
  let folded = 0;
  let target = maxBytes;
  // The merged overflow sketches take room again, so aim lower until it fits (bounded).
  for (let attempt = 0; attempt < 4; attempt++) {
    const bytes = estimateSnapshotBytes(snapshot);
    if (bytes <= maxBytes) break;
    if (attempt > 0) target -= bytes - maxBytes;
    folded += fold(snapshot, target);
  }
  return folded;
}

function fold(snapshot: Snapshot, maxBytes: number): number {
  let bytes = estimateSnapshotBytes(snapshot);
  const keep: FrameRow[] = [];
  const fold: Record<'in' | 'out', FrameRow[]> = { in: [], out: [] };
  const rows = [...snapshot.frames].sort((a, b) => a.count - b.count);
  for (const row of rows) {
    if (bytes > maxBytes && row.channel !== OVERFLOW_CHANNEL) {
      fold[row.direction].push(row);
      bytes -= 90 + row.peer.length + row.channel.length + row.sketch.length;
    } else {
      keep.push(row);
    }
  }
  let folded = 0;
  for (const direction of ['in', 'out'] as const) {
    const existing = keep.findIndex(
      (r) => r.channel === OVERFLOW_CHANNEL && r.direction === direction,
    );
    const parts = fold[direction];
    if (existing >= 0) parts.push(...keep.splice(existing, 1));
    if (parts.length === 0) continue;
    const merged = mergeSketches(parts.map((r) => deserializeSketch(r.sketch)));
    const count = parts.reduce((n, r) => n + r.count, 0);
    folded += parts.filter((r) => r.channel !== OVERFLOW_CHANNEL).reduce((n, r) => n + r.count, 0);
    keep.push({
      peer: OVERFLOW_PEER,
      channel: OVERFLOW_CHANNEL,
      direction,
      count,
      bytes: parts.reduce((n, r) => n + r.bytes, 0),
      sketch: merged.serialize(),
    });
  }
  snapshot.frames = keep;
  return folded;
}
