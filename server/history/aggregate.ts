/**
 * Pure aggregation of traffic records into buckets: the same code builds the stored rollups and
 * answers history queries, merging sketches (never averaging percentiles), so a p95 over an hour
 * is exactly the p95 of the merged hour.
 */
import type { HistoryPoint, HistoryQuery, HistorySeries } from '../../protocol/http.ts';
import { mergeSerialized, QuantileSketch } from '../../protocol/sketch.ts';
import type { FrameRow } from '../../protocol/telemetry.ts';

/** One (node, peer, channel, direction) row of one interval or one bucket. */
export interface TrafficRecord {
  /** start, seconds since epoch */
  readonly t: number;
  readonly node: string;
  readonly peer: string;
  readonly channel: string;
  readonly direction: FrameRow['direction'];
  readonly count: number;
  readonly bytes: number;
  /** serialized sketch of frame sizes */
  readonly sketch: string;
}

/** A stored sketch that does not decode adds its record's count and bytes, not its sizes. */
function mergeStored(into: QuantileSketch, sketch: string): void {
  try {
    mergeSerialized(into, sketch);
  } catch {
    // counted without sizes
  }
}

/**
 * Merges records into `resolutionS` buckets per (node, peer, channel, direction): the rollup rows.
 */
export function rollUp(records: Iterable<TrafficRecord>, resolutionS: number): TrafficRecord[] {
  const groups = new Map<
    string,
    { first: TrafficRecord; t: number; count: number; bytes: number; sketch: QuantileSketch }
  >();
  for (const r of records) {
    const t = Math.floor(r.t / resolutionS) * resolutionS;
    const key = `${t}\n${r.node}\n${r.peer}\n${r.channel}\n${r.direction}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = { first: r, t, count: 0, bytes: 0, sketch: new QuantileSketch() };
      groups.set(key, g);
    }
    g.count += r.count;
    g.bytes += r.bytes;
    mergeStored(g.sketch, r.sketch);
  }
  return [...groups.values()].map((g) => ({
    t: g.t,
    node: g.first.node,
    peer: g.first.peer,
    channel: g.first.channel,
    direction: g.first.direction,
    count: g.count,
    bytes: g.bytes,
    sketch: g.sketch.serialize(),
  }));
}

function seriesKey(r: TrafficRecord, groupBy: HistoryQuery['groupBy']): string {
  switch (groupBy) {
    case 'total':
      return 'total';
    case 'node':
      return r.node;
    case 'link':
      return `${r.node}→${r.peer}`;
    case 'channel':
      return r.channel;
  }
}

/** Keeps what a query asks for: sent traffic only (each frame once), filtered by node/peer/channel. */
export function matches(
  r: TrafficRecord,
  q: Pick<HistoryQuery, 'node' | 'peer' | 'channel'>,
): boolean {
  return (
    r.direction === 'out' &&
    (q.node === undefined || r.node === q.node) &&
    (q.peer === undefined || r.peer === q.peer) &&
    (q.channel === undefined || r.channel === q.channel)
  );
}

/** Turns records into one series per group, one point per bucket, sorted by key and time. */
export function toSeries(
  records: Iterable<TrafficRecord>,
  resolutionS: number,
  groupBy: HistoryQuery['groupBy'],
): HistorySeries[] {
  const series = new Map<
    string,
    Map<number, { count: number; bytes: number; sketch: QuantileSketch }>
  >();
  for (const r of records) {
    const key = seriesKey(r, groupBy);
    const t = Math.floor(r.t / resolutionS) * resolutionS;
    let points = series.get(key);
    if (points === undefined) {
      points = new Map();
      series.set(key, points);
    }
    let p = points.get(t);
    if (p === undefined) {
      p = { count: 0, bytes: 0, sketch: new QuantileSketch() };
      points.set(t, p);
    }
    p.count += r.count;
    p.bytes += r.bytes;
    mergeStored(p.sketch, r.sketch);
  }
  return [...series]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([key, points]) => ({
      key,
      points: [...points]
        .sort((a, b) => a[0] - b[0])
        .map(([t, p]): HistoryPoint => {
          const q = (x: number) => (p.sketch.count > 0 ? p.sketch.quantile(x) : null);
          return {
            t: t * 1000,
            msgPerSec: p.count / resolutionS,
            bytesPerSec: p.bytes / resolutionS,
            p50: q(0.5),
            p95: q(0.95),
            p99: q(0.99),
          };
        }),
    }));
}
