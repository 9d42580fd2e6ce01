/**
 * Traffic rates per directed link and channel over a short sliding window, from the senders'
 * `out` rows (each frame counted once, at its sender). Percentiles come from merged sketches,
 * never from averaged percentiles.
 */
import type { TrafficModel, TrafficRow } from '../../protocol/model.ts';
import { mergeSerialized, QuantileSketch, unmergeSerialized } from '../../protocol/sketch.ts';
import type { Snapshot } from '../../protocol/telemetry.ts';

/** Rates on the live view are averaged over this many seconds of snapshots. */
export const DEFAULT_TRAFFIC_WINDOW_MS = 5_000;

interface Row {
  peer: string;
  channel: string;
  count: number;
  bytes: number;
  /**
   * serialized, as received: merged into its series' accumulator by a read, straight from the
   * text (`mergeSerialized`), so no decoded sketch is kept per row — at 100 nodes × 99 peers × 6
   * channels × 5 s that was ~300k sketch objects (issue #17)
   */
  text: string;
  /** 'new' until a read first merges it; 'bad' when it did not decode or was empty */
  state: 'new' | 'merged' | 'bad';
  /** the row's own sketch's min and max, once merged */
  min: number;
  max: number;
}

interface Slice {
  /** window start, ms */
  start: number;
  intervalMs: number;
  rows: Row[];
}

/**
 * One (peer, channel) of a node over the window. Its accumulator holds the merge of the rows a
 * read has seen; the next read brings it up to date with whichever costs fewer decodes: merging
 * the rows that arrived and taking out the merged rows that expired since, or merging the rows
 * in the window afresh. Reads a few seconds apart (small clusters) then decode each row about
 * twice instead of once per read; reads a window or more apart (100 nodes: a push every ~7 s)
 * decode each row of the window once, as a from-scratch merge does, and never decode a row that
 * expired unread.
 */
interface Series {
  peer: string;
  channel: string;
  /** the window's rows, oldest slice first (as the slices are stored) */
  rows: Row[];
  sketch: QuantileSketch;
  /** merged rows that left the window since the last read: still in `sketch` */
  expired: Row[];
}

interface NodeWindow {
  slices: Slice[];
  /** by `${peer}\n${channel}` */
  series: Map<string, Series>;
}

export class TrafficWindow {
  private readonly nodes = new Map<string, NodeWindow>();
  private cached: Omit<TrafficModel, 'at'> | undefined;

  constructor(private readonly windowMs = DEFAULT_TRAFFIC_WINDOW_MS) {}

  add(s: Snapshot): void {
    this.cached = undefined;
    let node = this.nodes.get(s.node);
    if (node === undefined) {
      node = { slices: [], series: new Map() };
      this.nodes.set(s.node, node);
    }
    const rows: Row[] = [];
    for (const f of s.frames) {
      if (f.direction !== 'out' || f.count === 0) continue;
      const key = `${f.peer}\n${f.channel}`;
      let series = node.series.get(key);
      if (series === undefined) {
        series = {
          peer: f.peer,
          channel: f.channel,
          rows: [],
          sketch: new QuantileSketch(),
          expired: [],
        };
        node.series.set(key, series);
      }
      const row: Row = {
        peer: f.peer,
        channel: f.channel,
        count: f.count,
        bytes: f.bytes,
        text: f.sketch,
        state: 'new',
        min: 0,
        max: 0,
      };
      series.rows.push(row);
      rows.push(row);
    }
    node.slices.push({ start: s.t * 1000, intervalMs: s.intervalMs, rows });
    let newest = Number.NEGATIVE_INFINITY;
    for (const x of node.slices) if (x.start > newest) newest = x.start;
    const kept: Slice[] = [];
    const expired = new Set<Row>();
    for (const x of node.slices) {
      if (x.start > newest - this.windowMs) kept.push(x);
      else for (const r of x.rows) expired.add(r);
    }
    node.slices = kept;
    if (expired.size > 0) this.expire(node, expired);
  }

  /** Takes expired rows out of their series; a series left with no rows is forgotten. */
  private expire(node: NodeWindow, expired: Set<Row>): void {
    const touched = new Map<string, Series>();
    for (const r of expired) {
      const key = `${r.peer}\n${r.channel}`;
      const series = node.series.get(key);
      if (series === undefined) continue;
      if (r.state === 'merged') series.expired.push(r);
      touched.set(key, series);
    }
    for (const [key, series] of touched) {
      series.rows = series.rows.filter((r) => !expired.has(r));
      if (series.rows.length === 0) node.series.delete(key);
    }
  }

  /** Forgets a node (its process is gone). */
  drop(node: string): void {
    this.cached = undefined;
    this.nodes.delete(node);
  }

  /** The rates now; cached until the next `add`, so many readers cost one computation. */
  read(at: number): TrafficModel {
    if (this.cached === undefined) this.cached = this.compute();
    return { ...this.cached, at };
  }

  private compute(): Omit<TrafficModel, 'at'> {
    const rows: TrafficRow[] = [];
    for (const [node, w] of [...this.nodes].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
      const seconds = w.slices.reduce((sum, x) => sum + x.intervalMs, 0) / 1000;
      if (seconds <= 0) continue;
      for (const [, series] of [...w.series].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
        const group = series.rows;
        const merged = catchUp(series);
        // min and max cannot be taken out of a merge: those of the rows still in the window.
        let min = Number.POSITIVE_INFINITY;
        let max = Number.NEGATIVE_INFINITY;
        for (const r of group) {
          if (r.state !== 'merged') continue;
          if (r.min < min) min = r.min;
          if (r.max > max) max = r.max;
        }
        merged.setBounds(min, max);
        const q = (p: number) => (merged.count > 0 ? merged.quantile(p) : null);
        rows.push({
          from: node,
          to: series.peer,
          channel: series.channel,
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

/** Brings a series' accumulator up to its rows, with the fewer decodes (see `Series`). */
function catchUp(series: Series): QuantileSketch {
  let fresh = 0;
  let live = 0;
  for (const r of series.rows) {
    if (r.state === 'new') fresh++;
    if (r.state !== 'bad') live++;
  }
  const sketch = series.sketch;
  if (live <= fresh + series.expired.length) {
    sketch.reset();
    for (const r of series.rows) if (r.state === 'merged') r.state = 'new';
  } else {
    for (const r of series.expired) unmergeSerialized(sketch, r.text);
  }
  series.expired = [];
  for (const r of series.rows) {
    if (r.state !== 'new') continue;
    try {
      const bounds = mergeSerialized(sketch, r.text);
      r.state = bounds.total > 0 ? 'merged' : 'bad';
      r.min = bounds.min;
      r.max = bounds.max;
    } catch {
      // A sketch that does not decode still leaves its counts useful.
      r.state = 'bad';
    }
  }
  return sketch;
}
