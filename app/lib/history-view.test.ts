import { describe, expect, it } from 'vitest';
import { livePoints, type HistoryPoint } from './history.ts';
import { historyView, LOADING, storeAnswerStale, type Loaded } from './history-view.ts';
import { row } from './testing/fixtures.ts';

const NOW = 1_765_000_000_000;
const FIVE_MIN = { kind: '5m' } as const;
const point = (t: number, msgPerSec: number): HistoryPoint => ({
  t,
  msgPerSec,
  bytesPerSec: 0,
  p50: 1,
  p95: 2,
  p99: 3,
});
const push = (at: number) =>
  livePoints({ at, windowMs: 5_000, rows: [row('a', 'b', 'rpc', 100, 7)] });
const pointsOf = (series: readonly { points: readonly unknown[] }[]) =>
  series.reduce((n, s) => n + s.points.length, 0);

describe('history view', () => {
  it('history view — a store answer asked with the deferred clock (1970) shows as loading, not as store with live points only', () => {
    // The dashboard's first render of the charts saw the chart clock at 0 + one step (5 s): the
    // store answered for the five minutes before it, with nothing.
    const stale: Loaded = { series: [], stepMs: 1_000, source: 'store', error: null, to: 5_000 };
    const log = [push(NOW - 1_000)];
    const view = historyView(stale, FIVE_MIN, 'channel', log, NOW);
    expect(view.source).toBe('loading');
    expect(pointsOf(view.series)).toBe(0);
    // and it is asked again at once, pushes or not
    expect(storeAnswerStale(stale, FIVE_MIN, NOW, log)).toBe(true);
    expect(storeAnswerStale(stale, FIVE_MIN, NOW, [])).toBe(true);
  });

  it('history view — a store answer for the range shows its points and the pushes after it, labelled store', () => {
    const stored = Array.from({ length: 60 }, (_, i) => point(NOW - 65_000 + i * 1_000, 1));
    const fresh: Loaded = {
      series: [{ key: 'rpc', points: stored }],
      stepMs: 1_000,
      source: 'store',
      error: null,
      to: NOW - 2_000,
    };
    const log = [push(NOW - 2_000), push(NOW - 1_000)];
    const view = historyView(fresh, FIVE_MIN, 'channel', log, NOW);
    expect(view.source).toBe('store');
    expect(pointsOf(view.series)).toBe(62);
    expect(storeAnswerStale(fresh, FIVE_MIN, NOW, log)).toBe(false);
    // pushes that start after the answer ended: asked again (a tab left in the background)
    expect(storeAnswerStale(fresh, FIVE_MIN, NOW + 60_000, [push(NOW + 59_000)])).toBe(true);
  });

  it('history view — before any answer the charts are loading; without the store the pushes fill them', () => {
    expect(historyView(LOADING, FIVE_MIN, 'channel', [push(NOW)], NOW).source).toBe('loading');
    const live = historyView(
      { ...LOADING, source: 'live', error: 'down' },
      FIVE_MIN,
      'node',
      [push(NOW - 1_000), push(NOW)],
      NOW,
    );
    expect([live.source, pointsOf(live.series)]).toEqual(['live', 2]);
  });
});
