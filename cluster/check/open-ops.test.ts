/**
 * Open operations (`info`: they may have happened at any point after their invoke, or never) of
 * equal value are interchangeable, and the search memoises how many of them it has linearized
 * rather than which (search.ts, openSlots): a counter with dozens of open adds is decided in
 * thousands of states instead of 2^n — and the verdicts stay exact.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.ts';
import { checkLinearizability } from './check.ts';
import { counterModel, registerModel, type Model } from './models.ts';
import { historyOf, type Interval } from './testing/index.ts';
import { openAddsHistory } from './testing/open-adds.ts';

const check = (model: Model, ops: Interval[], maxStates = 2_000_000) =>
  // the time budget is not what is tested: generous, so that a loaded machine cannot turn a
  // verdict into `unknown`
  checkLinearizability(historyOf(model, ops), { model, maxStates, timeMs: 60_000 });
const reads = (ops: Interval[]): Interval[] => ops.filter((o) => o.f === 'read');
const replaced = (ops: Interval[], old: Interval, by: Interval): Interval[] =>
  ops.map((o) => (o === old ? by : o));

describe('linearizability — many open counter adds', () => {
  // Before the open adds were counted by class, these needed 45,746, 216,414 and more than
  // 2,000,000 states (unknown); now 1,388–2,553.
  it('checker — 40 open adds among reads of their sums are decided within 20,000 states', () => {
    for (const seed of [1, 2, 3]) {
      const r = check(counterModel, openAddsHistory(40, seededRandom(seed)), 20_000);
      expect(r.info).toBe(40);
      expect(r.verdict).toBe('pass');
    }
  });

  it('checker — with 40 open adds, a read below the read before it still fails (adds are positive)', () => {
    for (const seed of [1, 2, 3]) {
      const ops = openAddsHistory(40, seededRandom(seed));
      const [before, last] = reads(ops).slice(-2) as [Interval, Interval];
      const r = check(
        counterModel,
        replaced(ops, last, { ...last, out: (before.out as number) - 1 }),
        200_000,
      );
      expect(r.verdict).toBe('fail');
      expect(r.failures[0]?.key).toBe('k');
    }
  });

  it('checker — with 40 open adds, a read above every add invoked before it ends still fails', () => {
    for (const seed of [1, 2, 3]) {
      const ops = openAddsHistory(40, seededRandom(seed));
      const mid = reads(ops)[5]!;
      const most = ops
        .filter((o) => o.f === 'add' && o.start < mid.end!)
        .reduce((s, o) => s + (o.in as number), 0);
      const r = check(counterModel, replaced(ops, mid, { ...mid, out: most + 1 }), 200_000);
      expect(r.verdict).toBe('fail');
    }
  });
});

describe('linearizability — open operations of equal value', () => {
  const add = (p: number, start: number): Interval => ({
    p,
    f: 'add',
    in: 1,
    type: 'info',
    start,
    end: 100,
  });
  const read = (out: number, start: number): Interval => ({
    p: 0,
    f: 'read',
    out,
    start,
    end: start + 1,
  });

  it('checker — an open add counted by a read stays counted by every later read', () => {
    expect(check(counterModel, [add(1, 0), read(1, 1), read(1, 3)]).verdict).toBe('pass');
    expect(check(counterModel, [add(1, 0), read(1, 1), read(0, 3)]).verdict).toBe('fail');
  });

  it('checker — open adds of different amounts are told apart, also when their sums agree', () => {
    // 1 + 3 = 2 + 2 = 4: after the first read, only the 2s leave the 1 and the 3 for 5
    const amounts = [1, 3, 2, 2].map((amount, i): Interval => ({ ...add(1 + i, i), in: amount }));
    expect(check(counterModel, [...amounts, read(4, 10), read(5, 12)]).verdict).toBe('pass');
    expect(check(counterModel, [...amounts, read(4, 10), read(9, 12)]).verdict).toBe('fail');
  });

  it('checker — an open add invoked after a read ends cannot be counted by it, whatever its twins did', () => {
    // two adds of 1 are interchangeable only once both are invoked
    expect(check(counterModel, [add(1, 0), read(2, 1), add(2, 3)]).verdict).toBe('fail');
    expect(check(counterModel, [add(1, 0), read(1, 1), add(2, 3), read(2, 5)]).verdict).toBe(
      'pass',
    );
    expect(
      check(counterModel, [add(1, 0), read(1, 1), add(2, 3), read(2, 5), read(3, 7)]).verdict,
    ).toBe('fail');
  });

  it('checker — open register writes of one value each serve one read after a change, no more', () => {
    // 12 open writes of 1 and 12 of 2, all invoked first; reads alternating 1, 2, 1, 2, …: each
    // read after a change needs a write of its value not used before
    const writes: Interval[] = [1, 2].flatMap((v) =>
      Array.from({ length: 12 }, (_, i) => ({
        p: v * 100 + i,
        f: 'write',
        in: v,
        type: 'info' as const,
        start: i,
        end: 1000,
      })),
    );
    const alternating = (n: number): Interval[] =>
      Array.from({ length: n }, (_, i) => ({
        p: 0,
        f: 'read',
        out: (i % 2) + 1,
        start: 20 + 2 * i,
        end: 21 + 2 * i,
      }));
    expect(check(registerModel, [...writes, ...alternating(24)]).verdict).toBe('pass');
    expect(check(registerModel, [...writes, ...alternating(25)]).verdict).toBe('fail');
  });
});
