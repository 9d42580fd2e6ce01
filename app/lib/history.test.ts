import { describe, expect, it } from 'vitest';
import {
  mergeSeries,
  rangeBounds,
  seriesFromLive,
  seriesFromTraffic,
  livePoints,
  toChartRows,
  type HistoryPoint,
} from './history.ts';
import { historyResultSchema } from '../../protocol/http.ts';
import { row } from './testing/fixtures.ts';

const p = (t: number, msgPerSec: number): HistoryPoint => ({
  t,
  msgPerSec,
  bytesPerSec: 0,
  p50: 1,
  p95: 2,
  p99: 3,
});

describe('history', () => {
  it('history — a relative range ends now and is live; a custom one is fixed and clipped to now', () => {
    expect(rangeBounds({ kind: '5m' }, 1_000_000)).toEqual({
      from: 700_000,
      to: 1_000_000,
      live: true,
    });
    expect(rangeBounds({ kind: 'custom', from: 10, to: 2_000_000 }, 1_000_000)).toEqual({
      from: 10,
      to: 1_000_000,
      live: false,
    });
  });

  it('history — merging replaces a bucket by its newer value and drops buckets before the range', () => {
    const merged = mergeSeries(
      [{ key: 'x', points: [p(1, 1), p(2, 1)] }],
      [{ key: 'x', points: [p(2, 5), p(3, 1)] }],
      2,
    );
    expect(merged).toEqual([{ key: 'x', points: [p(2, 5), p(3, 1)] }]);
  });

  it('history — chart rows have one column per series and are sorted by time', () => {
    const rows = toChartRows(
      [
        { key: 'a', points: [p(2, 1), p(1, 3)] },
        { key: 'b', points: [p(1, 7)] },
      ],
      'msgPerSec',
    );
    expect(rows).toEqual([
      { t: 1, a: 3, b: 7 },
      { t: 2, a: 1 },
    ]);
  });

  it('history — an answer of another shape is rejected by the contract, a good one kept', () => {
    expect(historyResultSchema.safeParse({ nope: 1 }).success).toBe(false);
    const good = { from: 1, to: 2, resolution: 10, groupBy: 'channel', series: [] };
    const bad = { ...good, series: [{ key: 'a', points: [] }, { bad: 1 }] };
    expect(historyResultSchema.safeParse(bad).success).toBe(false);
    const one = { ...good, series: [{ key: 'a', points: [p(1, 2)] }] };
    expect(historyResultSchema.parse(one)).toEqual(one);
  });

  it('history — live traffic adds rates exactly and takes the largest percentile as an upper bound', () => {
    const traffic = {
      at: 12_345,
      windowMs: 5_000,
      rows: [
        row('a', 'b', 'rpc', 100, 2),
        { ...row('b', 'a', 'rpc', 50, 1), p95: 900 },
        row('a', 'b', 'tick', 10, 1),
      ],
    };
    const byChannel = seriesFromTraffic(traffic, 'channel');
    const rpc = byChannel.find((s) => s.key === 'rpc')!.points[0]!;
    expect(rpc).toEqual({
      t: 12_000,
      msgPerSec: 3,
      bytesPerSec: 150,
      p50: 100,
      p95: 900,
      p99: 300,
    });
    expect(
      seriesFromTraffic(traffic, 'node')
        .map((s) => s.key)
        .sort(),
    ).toEqual(['a', 'b']);
  });

  it('history — live points keep one point per channel and node per push, and merge into series', () => {
    const push = (at: number, msg: number) => ({
      at,
      windowMs: 5_000,
      rows: [
        row('a', 'b', 'rpc', msg * 10, msg),
        row('a', 'c', 'rpc', msg * 10, msg),
        row('b', 'a', 'tick', 8, 1),
      ],
    });
    const log = [livePoints(push(10_000, 2)), livePoints(push(11_000, 3))];
    expect(log[0]!.channel.map((s) => s.key)).toEqual(['rpc', 'tick']);
    expect(log[0]!.node.map((s) => s.key)).toEqual(['a', 'b']);
    const series = seriesFromLive(log, 'channel', 0);
    expect(series.map((s) => [s.key, s.points.map((p) => [p.t, p.msgPerSec])])).toEqual([
      [
        'rpc',
        [
          [10_000, 4],
          [11_000, 6],
        ],
      ],
      [
        'tick',
        [
          [10_000, 1],
          [11_000, 1],
        ],
      ],
    ]);
    expect(seriesFromLive(log, 'node', 10_500)[0]!.points).toHaveLength(1);
    // In the store's 10 s buckets: one point, the mean rate of the two pushes.
    expect(
      seriesFromLive(log, 'channel', 0, 10_000).map((s) => [
        s.key,
        s.points.map((p) => [p.t, p.msgPerSec]),
      ]),
    ).toEqual([
      ['rpc', [[10_000, 5]]],
      ['tick', [[10_000, 1]]],
    ]);
  });
});
