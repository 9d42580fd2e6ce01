/**
 * Traffic rates per directed link and channel over a short sliding window, from the senders'
 * `out` rows (each frame counted once, at its sender). Percentiles come from merged sketches,
 * never from averaged percentiles.
 */
import type { TrafficModel, TrafficRow } from '../../protocol/model.ts';
import { mergeSerialized, QuantileSketch } from '../../protocol/sketch.ts';
import type { Snapshot } from '../../protocol/telemetry.ts';

/** Rates on the live view are averaged over this many seconds of snapshots. */
export const DEFAULT_TRAFFIC_WINDOW_MS = 5_000;

interface Row {
  peer: string;
  channel: string;
  count: number;
  bytes: number;
  /**
   * serialized, as received: a read merges it straight from the text into one reused
   * accumulator (`mergeSerialized`), so no decoded sketch is allocated or kept per row — at
   * 100 nodes × 99 peers × 6 channels × 5 s that was ~300k sketch objects per read (issue #17)
   */
  text: string;
}

interface Slice {
  /** window start, ms */
  start: number;
  intervalMs: number;
  rows: Row[];
}

export class TrafficWindow {
  private readonly slices = new Map<string, Slice[]>();
  private cached: Omit<TrafficModel, 'at'> | undefined;

  constructor(private readonly windowMs = DEFAULT_TRAFFIC_WINDOW_MS) {}

  add(s: Snapshot): void {
    this.cached = undefined;
    const rows: Row[] = [];
    for (const f of s.frames) {
      if (f.direction !== 'out' || f.count === 0) continue;
      rows.push({
        peer: f.peer,
        channel: f.channel,
        count: f.count,
        bytes: f.bytes,
        text: f.sketch,
      });
    }
    const list = this.slices.get(s.node) ?? [];
    list.push({ start: s.t * 1000, intervalMs: s.intervalMs, rows });
    const newest = Math.max(...list.map((x) => x.start));
    this.slices.set(
      s.node,
      list.filter((x) => x.start > newest - this.windowMs),
    );
  }

  /** Forgets a node (its process is gone). */
  drop(node: string): void {
    this.cached = undefined;
    this.slices.delete(node);
  }

  /** The rates now; cached until the next `add`, so many readers cost one computation. */
  read(at: number): TrafficModel {
    if (this.cached === undefined) this.cached = this.compute();
    return { ...this.cached, at };
  }

  private compute(): Omit<TrafficModel, 'at'> {
    const rows: TrafficRow[] = [];
    const merged = new QuantileSketch();
    for (const [node, slices] of [...this.slices].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
      const seconds = slices.reduce((sum, x) => sum + x.intervalMs, 0) / 1000;
      if (seconds <= 0) continue;
      const groups = new Map<string, Row[]>();
      for (const slice of slices) {
        for (const r of slice.rows) {
          const key = `${r.peer}\n${r.channel}`;
          const g = groups.get(key) ?? [];
          g.push(r);
          groups.set(key, g);
        }
      }
      for (const [key, group] of [...groups].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
        const [to, channel] = key.split('\n') as [string, string];
        merged.reset();
        for (const r of group) {
          try {
            mergeSerialized(merged, r.text);
          } catch {
            // A sketch that does not decode still leaves its counts useful.
          }
        }
        const q = (p: number) => (merged.count > 0 ? merged.quantile(p) : null);
        rows.push({
          from: node,
          to,
          channel,
          msgPerSec: group.reduce((s, r) => s + r.count, 0) / seconds,
          bytesPerSec: group.reduce((s, r) => s + r.bytes, 0) / seconds,
          p50: q(0.5),
          p95: q(0.95),
          p99: q(0.99),
        });
      }
    }
    return { windowMs: this.windowMs, rows };
  }
}
