import { describe, expect, it } from 'vitest';
import { downsampleRows, plotPoints, type Row } from './lttb.ts';

/** `n` rows one second apart, value `f(i)` under key `k`. */
const rows = (n: number, f: (i: number) => number | null, k = 'x'): Row[] =>
  Array.from({ length: n }, (_, i) => ({ t: i * 1_000, [k]: f(i) }));

describe('lttb', () => {
  it('lttb — rows already within the threshold (or a threshold under 3) come back as they are', () => {
    const short = rows(10, (i) => i);
    expect(downsampleRows(short, ['x'], 10)).toBe(short);
    expect(downsampleRows(short, ['x'], 50)).toBe(short);
    expect(downsampleRows(short, ['x'], 2)).toBe(short);
  });

  it('lttb — keeps exactly threshold rows, in order, first and last included', () => {
    const long = rows(1_000, (i) => Math.sin(i / 20));
    const out = downsampleRows(long, ['x'], 100);
    expect(out).toHaveLength(100);
    expect(out[0]).toBe(long[0]);
    expect(out.at(-1)).toBe(long.at(-1));
    for (let i = 1; i < out.length; i++) expect(out[i]!.t).toBeGreaterThan(out[i - 1]!.t);
  });

  it('lttb — a one-bucket spike survives', () => {
    const out = downsampleRows(
      rows(300, (i) => (i === 137 ? 50 : 1)),
      ['x'],
      30,
    );
    expect(out.map((r) => r.x)).toContain(50);
  });

  it('lttb — a spike in a small series survives next to a big flat one (series are scaled)', () => {
    const both: Row[] = Array.from({ length: 300 }, (_, i) => ({
      t: i * 1_000,
      big: 10_000 + (i % 2),
      small: i === 211 ? 3 : 1,
    }));
    const out = downsampleRows(both, ['big', 'small'], 30);
    expect(out.map((r) => r.small)).toContain(3);
    // every kept row is a whole input row: no series loses its value at a kept time
    for (const r of out) expect(both).toContain(r);
  });

  it('lttb — missing values count for nothing instead of failing', () => {
    const out = downsampleRows(
      rows(100, (i) => (i % 7 === 0 ? null : i === 50 ? 99 : 0)),
      ['x', 'absent'],
      10,
    );
    expect(out).toHaveLength(10);
    expect(out.map((r) => r.x)).toContain(99);
  });
});

describe('plot points', () => {
  it('plot points — one per pixel of plot, in whole steps, never fewer than one step', () => {
    expect(plotPoints(1_400)).toBe(1_200);
    expect(plotPoints(1_287)).toBe(1_000);
    expect(plotPoints(1_288)).toBe(1_200);
    expect(plotPoints(0)).toBe(200);
    expect(plotPoints(300)).toBe(200);
  });
});
