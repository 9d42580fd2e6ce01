import { describe, expect, it } from 'vitest';
import { checkLinearizability, type CheckOptions } from './check.ts';
import { counterModel, registerModel, type Model } from './models.ts';
import { historyOf, type Interval } from './testing/index.ts';

const check = (model: Model, ops: Interval[], options: Partial<CheckOptions> = {}) =>
  checkLinearizability(historyOf(model, ops), { model, ...options });
const reg = (ops: Interval[], options: Partial<CheckOptions> = {}) =>
  check(registerModel, ops, options);

describe('linearizability — classic register cases', () => {
  // MIT 6.824 2017 quiz 2, section VII (also porcupine's TestRegisterModel), with nil for 0
  it('checker — a read overlapping a write may return the old value after another returned the new one', () => {
    const r = reg([
      { p: 0, f: 'write', in: 100, start: 0, end: 100 },
      { p: 1, f: 'read', out: 100, start: 25, end: 75 },
      { p: 2, f: 'read', out: null, start: 30, end: 60 },
    ]);
    expect(r.verdict).toBe('pass');
  });

  it('checker — new-old inversion: a read after a read of the new value returns the old one', () => {
    const r = reg([
      { p: 0, f: 'write', in: 200, start: 0, end: 100 },
      { p: 1, f: 'read', out: 200, start: 10, end: 30 },
      { p: 2, f: 'read', out: null, start: 40, end: 90 },
    ]);
    expect(r.verdict).toBe('fail');
    expect(r.failures[0]?.key).toBe('k');
    const ops = r.failures[0]!.window.map((w) => `${w.process}:${w.op}`);
    // the two reads are the evidence; the write is there as the writer of what p1 saw
    expect(ops).toEqual(['0:write 200', '1:read → 200', '2:read → null']);
  });

  it('checker — sequential write then read of another value fails; of the same value passes', () => {
    const w = { p: 0, f: 'write', in: 1, start: 0, end: 1 };
    expect(reg([w, { p: 1, f: 'read', out: 1, start: 2, end: 3 }]).verdict).toBe('pass');
    expect(reg([w, { p: 1, f: 'read', out: 2, start: 2, end: 3 }]).verdict).toBe('fail');
    expect(
      reg([
        { p: 1, f: 'read', out: 1, start: 0, end: 1 },
        { ...w, start: 2, end: 3 },
      ]).verdict,
    ).toBe('fail');
  });

  it('checker — stale read: a read after two sequential writes returns the first value', () => {
    const r = reg([
      { p: 0, f: 'write', in: 1, start: 0, end: 1 },
      { p: 1, f: 'write', in: 2, start: 2, end: 3 },
      { p: 2, f: 'read', out: 1, start: 4, end: 5 },
    ]);
    expect(r.verdict).toBe('fail');
    expect(r.failures[0]!.minimal).toBe(true);
    expect(r.failures[0]!.window.map((w) => w.op)).toEqual(['write 1', 'write 2', 'read → 1']);
  });

  it('checker — concurrent writes may be read in either order, but not both orders', () => {
    const ws: Interval[] = [
      { p: 0, f: 'write', in: 1, start: 0, end: 10 },
      { p: 1, f: 'write', in: 2, start: 0.5, end: 10 },
    ];
    expect(reg([...ws, { p: 2, f: 'read', out: 1, start: 11, end: 12 }]).verdict).toBe('pass');
    expect(reg([...ws, { p: 2, f: 'read', out: 2, start: 11, end: 12 }]).verdict).toBe('pass');
    expect(
      reg([
        ...ws,
        { p: 2, f: 'read', out: 1, start: 1, end: 2 },
        { p: 3, f: 'read', out: 2, start: 3, end: 4 },
        { p: 2, f: 'read', out: 1, start: 5, end: 6 },
      ]).verdict,
    ).toBe('fail');
  });

  it('checker — cas: two successful cas from the same value cannot both happen; a failed one is dropped', () => {
    const a: Interval = { p: 0, f: 'cas', in: [null, 1], start: 0, end: 10 };
    const b: Interval = { p: 1, f: 'cas', in: [null, 2], start: 1, end: 9 };
    expect(reg([a, b]).verdict).toBe('fail');
    expect(reg([a, { ...b, type: 'fail' }]).verdict).toBe('pass');
    expect(
      reg([
        a,
        { p: 1, f: 'cas', in: [1, 2], start: 1, end: 9 },
        { p: 2, f: 'read', out: 2, start: 11, end: 12 },
      ]).verdict,
    ).toBe('pass');
  });
});

describe('linearizability — info operations (possibly happened, open end)', () => {
  it('checker — an info write may take effect long after its invoke, or never', () => {
    const w: Interval = { p: 0, f: 'write', in: 1, type: 'info', start: 0, end: 1 };
    expect(
      reg([
        w,
        { p: 1, f: 'read', out: null, start: 2, end: 3 },
        { p: 1, f: 'read', out: 1, start: 4, end: 5 },
      ]).verdict,
    ).toBe('pass');
    expect(reg([w, { p: 1, f: 'read', out: null, start: 2, end: 3 }]).verdict).toBe('pass');
    expect(
      reg([
        w,
        { p: 1, f: 'read', out: 1, start: 2, end: 3 },
        { p: 1, f: 'read', out: null, start: 4, end: 5 },
      ]).verdict,
    ).toBe('fail');
  });

  it('checker — an invoke that never completes counts as info', () => {
    const r = reg([
      { p: 0, f: 'write', in: 7, start: 0, end: null },
      { p: 1, f: 'read', out: 7, start: 5, end: 6 },
    ]);
    expect(r.verdict).toBe('pass');
    expect(r.info).toBe(1);
  });

  it('checker — an info cas whose compare fails had no effect; an ok one must have matched', () => {
    const ops: Interval[] = [
      { p: 0, f: 'write', in: 1, start: 0, end: 1 },
      { p: 1, f: 'cas', in: [5, 6], type: 'info', start: 2, end: 3 },
      { p: 2, f: 'read', out: 1, start: 4, end: 5 },
    ];
    expect(reg(ops).verdict).toBe('pass');
    expect(reg(ops.map((o) => (o.f === 'cas' ? { ...o, type: 'ok' as const } : o))).verdict).toBe(
      'fail',
    );
  });

  it('checker — an unknown read constrains nothing', () => {
    const r = reg([
      { p: 0, f: 'write', in: 1, start: 0, end: 1 },
      { p: 1, f: 'read', type: 'info', start: 2, end: 3 },
    ]);
    expect(r.verdict).toBe('pass');
  });
});

describe('linearizability — counter model', () => {
  const adds: Interval[] = [
    { p: 0, f: 'add', in: 1, start: 0, end: 1 },
    { p: 1, f: 'add', in: 2, start: 2, end: 3 },
  ];
  it('checker — every acknowledged add counted exactly once in the final read', () => {
    expect(
      check(counterModel, [...adds, { p: 2, f: 'read', out: 3, start: 4, end: 5 }]).verdict,
    ).toBe('pass');
    // lost
    expect(
      check(counterModel, [...adds, { p: 2, f: 'read', out: 2, start: 4, end: 5 }]).verdict,
    ).toBe('fail');
    // counted twice
    expect(
      check(counterModel, [...adds, { p: 2, f: 'read', out: 4, start: 4, end: 5 }]).verdict,
    ).toBe('fail');
  });

  it('checker — an info add may or may not be counted', () => {
    const maybe: Interval = { p: 3, f: 'add', in: 10, type: 'info', start: 0, end: 2 };
    for (const out of [3, 13])
      expect(
        check(counterModel, [...adds, maybe, { p: 2, f: 'read', out, start: 4, end: 5 }]).verdict,
      ).toBe('pass');
    expect(
      check(counterModel, [...adds, maybe, { p: 2, f: 'read', out: 23, start: 4, end: 5 }]).verdict,
    ).toBe('fail');
  });
});

describe('linearizability — keys and budget', () => {
  it('checker — keys are checked independently and the failing key is named', () => {
    const r = reg([
      { p: 0, f: 'write', key: 'a', in: 1, start: 0, end: 1 },
      { p: 1, f: 'read', key: 'b', out: 1, start: 2, end: 3 },
      { p: 2, f: 'read', key: 'a', out: 1, start: 2, end: 3 },
      { p: 3, f: 'read', key: 1, out: null, start: 2, end: 3 },
    ]);
    expect(r.verdict).toBe('fail');
    expect(r.keys).toBe(3);
    expect(r.keysFailed).toBe(1);
    expect(r.failures.map((f) => f.key)).toEqual(['b']);
  });

  // many concurrent writes and reads: the search must branch a lot
  const wide: Interval[] = Array.from({ length: 14 }, (_, i) => ({
    p: i,
    f: i % 2 ? 'write' : 'read',
    in: i,
    out: i % 2 ? undefined : i === 0 ? null : i - 1,
    start: i,
    end: 100 + i,
  }));

  it('checker — a budget of states that runs out gives unknown, never pass', () => {
    expect(reg(wide).verdict).toBe('pass');
    const r = reg(wide, { maxStates: 3 });
    expect(r.verdict).toBe('unknown');
    expect(r.unknownKeys).toEqual([{ key: 'k', reason: 'states' }]);
  });

  it('checker — a time budget that runs out gives unknown, never pass', () => {
    let t = 0;
    // every look at the clock is 1 s later
    const r = reg(wide, { timeMs: 0, now: () => (t += 1000) });
    expect(r.verdict).toBe('unknown');
    expect(r.unknownKeys[0]?.reason).toBe('time');
  });
});
