/**
 * Fewer lines for a busy chart: the busiest series drawn on their own, the rest folded into one
 * "others" series, and a per-series summary so that what is folded stays readable (as a table).
 */
import type { HistoryPoint, HistorySeries } from './history.ts';

/** Key of the series that stands for every series not drawn on its own. */
export const OTHERS_KEY = '(others)';

/** How many series a chart draws on its own (32 lines cost a redraw of ~0.5 s and say less). */
export const TOP_SERIES = 8;

export interface FoldedSeries {
  /** the busiest series, in their original order, then `OTHERS_KEY` when anything was folded */
  readonly series: readonly HistorySeries[];
  /** keys folded into `OTHERS_KEY`, busiest first; empty when every series is drawn */
  readonly folded: readonly string[];
}

/** Messages over the whole range: the ranking that decides which series are drawn. */
function messages(s: HistorySeries): number {
  let sum = 0;
  for (const p of s.points) sum += p.msgPerSec;
  return sum;
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const maxOf = (a: number | null, b: number | null) =>
  a === null ? b : b === null ? a : Math.max(a, b);

/**
 * Keeps the `limit` series that carried the most messages and folds the rest into one series, the
 * highest of them in each bucket and metric: every folded line lies under it, and it stays on the
 * scale of the lines drawn (a sum of 24 nodes' rates would flatten them against the axis; a
 * percentile of the union cannot be had from percentiles anyway). Folding a single series would
 * save nothing, so up to `limit + 1` series are returned as they are.
 */
export function foldSeries(series: readonly HistorySeries[], limit: number): FoldedSeries {
  if (series.length <= limit + 1) return { series, folded: [] };
  const ranked = series
    .map((s) => ({ s, total: messages(s) }))
    .sort((a, b) => b.total - a.total || byKey(a.s.key, b.s.key));
  const drawn = new Set(ranked.slice(0, limit).map((r) => r.s));
  const rest = ranked.slice(limit).map((r) => r.s);
  const buckets = new Map<number, HistoryPoint>();
  for (const s of rest) {
    for (const p of s.points) {
      const b = buckets.get(p.t);
      buckets.set(
        p.t,
        b === undefined
          ? p
          : {
              t: p.t,
              msgPerSec: Math.max(b.msgPerSec, p.msgPerSec),
              bytesPerSec: Math.max(b.bytesPerSec, p.bytesPerSec),
              p50: maxOf(b.p50, p.p50),
              p95: maxOf(b.p95, p.p95),
              p99: maxOf(b.p99, p.p99),
            },
      );
    }
  }
  const others: HistorySeries = {
    key: OTHERS_KEY,
    points: [...buckets.values()].sort((a, b) => a.t - b.t),
  };
  return {
    series: [...series.filter((s) => drawn.has(s)), others],
    folded: rest.map((s) => s.key),
  };
}

export type Percentile = 'p50' | 'p95' | 'p99';

/** One series boiled down to a table row. */
export interface SeriesSummary {
  readonly key: string;
  /** mean of the buckets' message rates */
  readonly msgPerSec: number;
  /** the percentile of the newest bucket that has one */
  readonly latest: number | null;
  /** the largest bucket percentile in the range */
  readonly peak: number | null;
}

/** A summary per series, largest `percentile` peak first (none last), then by key. */
export function summarize(
  series: readonly HistorySeries[],
  percentile: Percentile,
): SeriesSummary[] {
  return series
    .map((s) => {
      let latest: number | null = null;
      let peak: number | null = null;
      for (const p of s.points) {
        const v = p[percentile];
        if (v === null) continue;
        latest = v;
        peak = maxOf(peak, v);
      }
      const msgPerSec = s.points.length === 0 ? 0 : messages(s) / s.points.length;
      return { key: s.key, msgPerSec, latest, peak };
    })
    .sort((a, b) => (b.peak ?? -1) - (a.peak ?? -1) || byKey(a.key, b.key));
}
