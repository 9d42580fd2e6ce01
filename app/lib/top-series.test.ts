import { describe, expect, it } from 'vitest';
import type { HistoryPoint, HistorySeries } from './history.ts';
import { foldSeries, OTHERS_KEY, summarize } from './top-series.ts';

const point = (t: number, msgPerSec: number, p95: number | null = 10): HistoryPoint => ({
  t,
  msgPerSec,
  bytesPerSec: msgPerSec * 100,
  p50: p95 === null ? null : p95 / 2,
  p95,
  p99: p95 === null ? null : p95 * 2,
});

/** A series with `rate` messages per second in buckets 0 and 1000. */
const flat = (key: string, rate: number, p95: number | null = 10): HistorySeries => ({
  key,
  points: [point(0, rate, p95), point(1_000, rate, p95)],
});

describe('top series', () => {
  it('top series — up to limit + 1 series are kept as they are, nothing folded', () => {
    const series = [flat('a', 1), flat('b', 2), flat('c', 3)];
    const folded = foldSeries(series, 2);
    expect(folded.series).toBe(series);
    expect(folded.folded).toEqual([]);
  });

  it('top series — the busiest are drawn in their own order, the rest folded busiest first', () => {
    const series = [flat('a', 5), flat('b', 1), flat('c', 9), flat('d', 2), flat('e', 3)];
    const folded = foldSeries(series, 2);
    expect(folded.series.map((s) => s.key)).toEqual(['a', 'c', OTHERS_KEY]);
    expect(folded.folded).toEqual(['e', 'd', 'b']);
  });

  it('top series — equal traffic ranks by key, so the choice does not flicker', () => {
    const folded = foldSeries([flat('z', 1), flat('y', 1), flat('x', 1)], 1);
    expect(folded.series.map((s) => s.key)).toEqual(['x', OTHERS_KEY]);
  });

  it('top series — others is the highest folded value of each bucket and metric, nulls skipped', () => {
    const folded = foldSeries(
      [
        flat('big', 100),
        { key: 'b', points: [point(0, 1, 40), point(1_000, 2, null)] },
        { key: 'c', points: [point(1_000, 3, 25), point(2_000, 4, 7)] },
      ],
      1,
    );
    const others = folded.series.at(-1)!;
    expect(others.key).toBe(OTHERS_KEY);
    expect(others.points).toEqual([
      { t: 0, msgPerSec: 1, bytesPerSec: 100, p50: 20, p95: 40, p99: 80 },
      { t: 1_000, msgPerSec: 3, bytesPerSec: 300, p50: 12.5, p95: 25, p99: 50 },
      { t: 2_000, msgPerSec: 4, bytesPerSec: 400, p50: 3.5, p95: 7, p99: 14 },
    ]);
  });

  it('top series — a summary gives mean rate, newest and largest percentile, largest first', () => {
    const rows = summarize(
      [
        { key: 'a', points: [point(0, 2, 30), point(1_000, 4, 20), point(2_000, 6, null)] },
        flat('b', 1, 50),
        flat('c', 1, null),
      ],
      'p95',
    );
    expect(rows).toEqual([
      { key: 'b', msgPerSec: 1, latest: 50, peak: 50 },
      { key: 'a', msgPerSec: 4, latest: 20, peak: 30 },
      { key: 'c', msgPerSec: 1, latest: null, peak: null },
    ]);
    expect(summarize([flat('a', 1, 10)], 'p99')[0]).toMatchObject({ latest: 20, peak: 20 });
  });
});
