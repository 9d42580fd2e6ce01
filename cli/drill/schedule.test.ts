import { describe, expect, it } from 'vitest';
import { steppableClock } from '../../cluster/clock.ts';
import { FakeClock } from '../../cluster/fake-clock.ts';
import { shardOf } from '../../cluster/shards/hash.ts';
import { registerKeys } from './client.ts';
import { randomSchedule } from './nemeses.ts';

const timing = { leaseMs: 1_200, ticktimeMs: 1_000 };

describe('drill random — schedule', () => {
  it('drill random — one seed gives one schedule, another seed another', () => {
    expect(randomSchedule(42, 60_000, 5, timing)).toEqual(randomSchedule(42, 60_000, 5, timing));
    expect(randomSchedule(42, 60_000, 5, timing)).not.toEqual(
      randomSchedule(43, 60_000, 5, timing),
    );
  });

  it('drill random — faults do not overlap, fit the duration, and name real nodes', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const s = randomSchedule(seed, 60_000, 5, timing);
      expect(s.length).toBeGreaterThan(5);
      for (const [i, f] of s.entries()) {
        expect(f.atMs + f.durationMs).toBeLessThanOrEqual(60_000);
        if (i > 0) expect(f.atMs).toBeGreaterThan(s[i - 1]!.atMs + s[i - 1]!.durationMs);
        const node = f.detail.node as number | undefined;
        if (node !== undefined) expect(node >= 0 && node < 5).toBe(true);
        const minority = f.detail.minority as number[] | undefined;
        if (minority) expect(minority.length >= 1 && minority.length <= 2).toBe(true);
      }
    }
    const kinds = new Set(
      Array.from({ length: 20 }, (_, i) => randomSchedule(i + 1, 60_000, 5, timing))
        .flat()
        .map((f) => f.nemesis),
    );
    expect(kinds).toEqual(
      new Set(['partition', 'bridge', 'isolate', 'flap', 'clock-step', 'kill']),
    );
  });
});

describe('drill client — register keys', () => {
  it('drill client — the register keys cover every shard, one key each', () => {
    for (const count of [1, 7, 64, 256]) {
      const keys = registerKeys(count);
      expect(keys).toHaveLength(count);
      expect(keys.map((k) => shardOf(k, count))).toEqual(keys.map((_, i) => i));
    }
  });
});

describe('clock — steppable wall clock', () => {
  it('clock — a step moves now() and leaves monotonic() and timers alone', () => {
    const base = new FakeClock();
    const clock = steppableClock(base);
    const wall = clock.now();
    const mono = clock.monotonic();
    clock.step(3_600_000);
    expect(clock.now() - wall).toBe(3_600_000);
    expect(clock.monotonic()).toBe(mono);
    clock.step(-7_200_000);
    expect(clock.offset()).toBe(-3_600_000);
    expect(clock.monotonic()).toBe(mono);
    let fired = false;
    clock.setTimeout(() => (fired = true), 100);
    base.advance(100);
    expect(fired).toBe(true);
  });
});
