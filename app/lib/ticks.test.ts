import { describe, expect, it } from 'vitest';
import { MAX_TIME_TICKS, timeTicks, TICK_STEPS_MS } from './ticks.ts';

const MIN = 60_000;

describe('ticks', () => {
  it('ticks — five minutes get one tick a minute on whole minutes', () => {
    const from = Date.UTC(2026, 0, 1, 10, 0, 30);
    const ticks = timeTicks(from, from + 5 * MIN, MAX_TIME_TICKS, 0);
    expect(ticks).toEqual([1, 2, 3, 4, 5].map((m) => Date.UTC(2026, 0, 1, 10, m)));
  });

  it('ticks — never more than asked for, and evenly spaced inside the range', () => {
    for (const span of [10_000, 5 * MIN, 60 * MIN, 24 * 60 * MIN, 7 * 24 * 60 * MIN]) {
      const from = 1_700_000_123_456;
      const ticks = timeTicks(from, from + span, 6, 0);
      expect(ticks.length).toBeGreaterThan(0);
      expect(ticks.length).toBeLessThanOrEqual(6);
      expect(ticks[0]).toBeGreaterThanOrEqual(from);
      expect(ticks.at(-1)).toBeLessThanOrEqual(from + span);
      const steps = new Set(ticks.slice(1).map((t, i) => t - ticks[i]!));
      expect(steps.size).toBeLessThanOrEqual(1);
    }
  });

  it('ticks — hour ticks fall on the local hour', () => {
    const offset = 5.5 * 60 * MIN; // UTC+05:30
    const from = Date.UTC(2026, 0, 1, 0, 0);
    const ticks = timeTicks(from, from + 24 * 60 * MIN, 7, offset);
    expect(TICK_STEPS_MS).toContain(ticks[1]! - ticks[0]!);
    for (const t of ticks) expect((t + offset) % (60 * MIN)).toBe(0);
  });

  it('ticks — an empty or reversed range has none', () => {
    expect(timeTicks(10, 10)).toEqual([]);
    expect(timeTicks(20, 10)).toEqual([]);
    expect(timeTicks(Number.NaN, 10)).toEqual([]);
  });
});
