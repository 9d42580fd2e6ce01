/**
 * The dashboard's view of `GET /api/history`, and how its series become chart rows. The server
 * merges size sketches for each bucket, so percentiles here are exact merges, never averages.
 */
import type { HistoryPoint, HistorySeries } from '../../protocol/http.ts';
import type { TrafficModel } from '../../protocol/model.ts';

export type { HistoryPoint, HistorySeries } from '../../protocol/http.ts';

export type GroupBy = 'channel' | 'node';

export type RangeKind = '5m' | '1h' | '24h' | 'custom';

export const RANGE_MS: Readonly<Record<Exclude<RangeKind, 'custom'>, number>> = {
  '5m': 5 * 60_000,
  '1h': 60 * 60_000,
  '24h': 24 * 60 * 60_000,
};

export interface TimeRange {
  readonly kind: RangeKind;
  /** only for `custom`: ms since epoch */
  readonly from?: number;
  readonly to?: number;
}

/** The absolute bounds of a range at `now`; a relative range ends at `now` and keeps moving. */
export function rangeBounds(
  range: TimeRange,
  now: number,
): { from: number; to: number; live: boolean } {
  if (range.kind === 'custom') {
    const to = Math.min(range.to ?? now, now);
    const from = Math.min(range.from ?? to - RANGE_MS['5m'], to);
    return { from, to, live: false };
  }
  return { from: now - RANGE_MS[range.kind], to: now, live: true };
}

/**
 * Adds newer points to series already held: a bucket present in both takes the newer value (the
 * store may have completed it since), then everything before `from` is dropped.
 */
export function mergeSeries(
  held: readonly HistorySeries[],
  fresh: readonly HistorySeries[],
  from: number,
): HistorySeries[] {
  const byKey = new Map<string, Map<number, HistoryPoint>>();
  for (const list of [held, fresh]) {
    for (const s of list) {
      const points = byKey.get(s.key) ?? new Map<number, HistoryPoint>();
      for (const p of s.points) if (p.t >= from) points.set(p.t, p);
      byKey.set(s.key, points);
    }
  }
  return [...byKey]
    .map(([key, points]) => ({ key, points: [...points.values()].sort((a, b) => a.t - b.t) }))
    .filter((s) => s.points.length > 0)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export type Metric = 'msgPerSec' | 'bytesPerSec' | 'p50' | 'p95' | 'p99';

/** A chart row: the bucket time and one value per series key. */
export type ChartRow = { t: number } & Record<string, number | null>;

/** Rows for a recharts line chart of `metric`, one column per series, sorted by time. */
export function toChartRows(series: readonly HistorySeries[], metric: Metric): ChartRow[] {
  const rows = new Map<number, ChartRow>();
  for (const s of series) {
    for (const p of s.points) {
      const row = rows.get(p.t) ?? { t: p.t };
      row[s.key] = p[metric];
      rows.set(p.t, row);
    }
  }
  return [...rows.values()].sort((a, b) => a.t - b.t);
}

/**
 * One point per key from a live traffic push, for when the store has no history to offer.
 * Rates add up exactly; a percentile across rows cannot be merged from percentiles, so this takes
 * the largest row's value (an upper bound) — the store's merged sketches replace it when available.
 */
export function seriesFromTraffic(traffic: TrafficModel, groupBy: GroupBy): HistorySeries[] {
  const acc = new Map<
    string,
    { msg: number; bytes: number; p50: number | null; p95: number | null; p99: number | null }
  >();
  const max = (a: number | null, b: number | null) =>
    a === null ? b : b === null ? a : Math.max(a, b);
  for (const row of traffic.rows) {
    const key = groupBy === 'channel' ? row.channel : row.from;
    const cur = acc.get(key) ?? { msg: 0, bytes: 0, p50: null, p95: null, p99: null };
    cur.msg += row.msgPerSec;
    cur.bytes += row.bytesPerSec;
    cur.p50 = max(cur.p50, row.p50);
    cur.p95 = max(cur.p95, row.p95);
    cur.p99 = max(cur.p99, row.p99);
    acc.set(key, cur);
  }
  const t = Math.floor(traffic.at / 1000) * 1000;
  return [...acc].map(([key, v]) => ({
    key,
    points: [{ t, msgPerSec: v.msg, bytesPerSec: v.bytes, p50: v.p50, p95: v.p95, p99: v.p99 }],
  }));
}

/**
 * One live traffic push boiled down to what a chart can draw from it: a point per channel and
 * per sending node. The pushes themselves hold a row per link and channel (about 4,000 at 32
 * nodes); keeping five minutes of those would hold a million objects for the garbage collector to
 * walk, for a fallback that only needs these few points.
 */
export interface LivePoints {
  readonly at: number;
  readonly channel: readonly HistorySeries[];
  readonly node: readonly HistorySeries[];
}

export function livePoints(traffic: TrafficModel): LivePoints {
  return {
    at: traffic.at,
    channel: seriesFromTraffic(traffic, 'channel'),
    node: seriesFromTraffic(traffic, 'node'),
  };
}

/**
 * The series of a log of live points, for one grouping, in buckets of `stepMs` (the store's
 * resolution for the range, so live and stored points line up) from `from` on: rates are the
 * mean over the pushes in a bucket, percentiles the largest (an upper bound, as above).
 */
export function seriesFromLive(
  log: readonly LivePoints[],
  groupBy: GroupBy,
  from: number,
  stepMs = 1_000,
): HistorySeries[] {
  const max = (a: number | null, b: number | null) =>
    a === null ? b : b === null ? a : Math.max(a, b);
  const buckets = new Map<string, Map<number, HistoryPoint & { n: number }>>();
  for (const entry of log) {
    for (const s of entry[groupBy]) {
      for (const p of s.points) {
        const t = Math.floor(p.t / stepMs) * stepMs;
        if (t < from) continue;
        const byT = buckets.get(s.key) ?? new Map<number, HistoryPoint & { n: number }>();
        buckets.set(s.key, byT);
        const b = byT.get(t);
        byT.set(
          t,
          b === undefined
            ? { ...p, t, n: 1 }
            : {
                t,
                n: b.n + 1,
                msgPerSec: b.msgPerSec + p.msgPerSec,
                bytesPerSec: b.bytesPerSec + p.bytesPerSec,
                p50: max(b.p50, p.p50),
                p95: max(b.p95, p.p95),
                p99: max(b.p99, p.p99),
              },
        );
      }
    }
  }
  const fresh = [...buckets].map(([key, byT]) => ({
    key,
    points: [...byT.values()].map(({ n, ...p }) => ({
      ...p,
      msgPerSec: p.msgPerSec / n,
      bytesPerSec: p.bytesPerSec / n,
    })),
  }));
  return mergeSeries([], fresh, from);
}
