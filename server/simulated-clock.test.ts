import { describe, expect, it } from 'vitest';
import { FakeClock } from '../cluster/fake-clock.ts';
import { SimulatedClock } from './simulated-clock.ts';

/** 2026-01-01T00:00:00Z */
const START = 1_767_225_600_000;

function simulated() {
  const base = new FakeClock(5_000);
  const clock = new SimulatedClock({ startMs: START, base });
  return { base, clock };
}

describe('simulated clock', () => {
  it('simulated clock — a jump moves both readings and fires what came due, in time order', () => {
    const { clock } = simulated();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.monotonic()}`), 30_000);
    clock.setTimeout(() => fired.push(`a@${clock.monotonic()}`), 10_000);
    clock.setTimeout(() => fired.push('late'), 120_000);
    expect(clock.now()).toBe(START);
    clock.advance(60_000);
    expect(fired).toEqual(['a@60000', 'b@60000']);
    expect(clock.now()).toBe(START + 60_000);
    expect(clock.monotonic()).toBe(60_000);
    expect(clock.jumpedMs).toBe(60_000);
    expect(clock.pending).toBe(1);
  });

  it('simulated clock — between jumps, time and timers follow the base clock', () => {
    const { base, clock } = simulated();
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.monotonic()), 100);
    base.advance(99);
    expect(fired).toEqual([]);
    base.advance(1);
    expect(fired).toEqual([100]);
    clock.advance(1_000);
    base.advance(50);
    expect(clock.now()).toBe(START + 1_150);
  });

  it('simulated clock — a timer armed after a jump is due from the jumped time', () => {
    const { base, clock } = simulated();
    clock.advance(3_600_000);
    let fired = false;
    clock.setTimeout(() => (fired = true), 100);
    base.advance(99);
    expect(fired).toBe(false);
    base.advance(1);
    expect(fired).toBe(true);
  });

  it('simulated clock — an interval late by many periods fires once, then keeps its period', () => {
    const { base, clock } = simulated();
    let n = 0;
    const handle = clock.setInterval(() => n++, 1_000);
    clock.advance(10_500);
    expect(n).toBe(1);
    base.advance(999);
    expect(n).toBe(1);
    base.advance(1);
    expect(n).toBe(2);
    clock.clearInterval(handle);
    clock.advance(60_000);
    expect(n).toBe(2);
    expect(clock.pending).toBe(0);
    expect(base.pending).toBe(0);
  });

  it('simulated clock — timers armed and cleared from inside a callback are honoured', () => {
    const { clock } = simulated();
    const fired: string[] = [];
    clock.setTimeout(() => {
      fired.push('first');
      clock.setTimeout(() => fired.push('chained'), 0);
      clock.clearTimeout(second);
    }, 1_000);
    const second = clock.setTimeout(() => fired.push('second'), 2_000);
    clock.advance(5_000);
    expect(fired).toEqual(['first', 'chained']);
  });

  it('simulated clock — never goes back', () => {
    const { clock } = simulated();
    clock.advance(10_000);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    clock.advanceTo(START + 5_000);
    expect(clock.now()).toBe(START + 10_000);
    clock.advanceTo(START + 12_000);
    expect(clock.now()).toBe(START + 12_000);
  });

  it('simulated clock — on the system clock, a short timer fires in real time', async () => {
    const clock = new SimulatedClock({ startMs: START });
    const before = performance.now();
    await new Promise<void>((resolve) => clock.setTimeout(resolve, 20));
    expect(performance.now() - before).toBeGreaterThanOrEqual(19);
    expect(clock.now()).toBeGreaterThanOrEqual(START + 19);
  });
});
