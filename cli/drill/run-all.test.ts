import { describe, expect, it } from 'vitest';
import { CLIENTS_THROUGH_FAULTS } from './fault-ops.ts';
import { provedNothing, type LinReport, type RunReport } from './run-all.ts';

const lin = (verdict: string): LinReport => ({ verdict, elapsedMs: 1 });
const run = (over: Partial<RunReport>): RunReport => ({
  verdict: 'fail',
  checker: 'pass',
  expectations: [
    { name: 'writes acknowledged', pass: true, detail: '10' },
    { name: CLIENTS_THROUGH_FAULTS, pass: false, detail: 'no operation completed during …' },
  ],
  ...over,
});

describe('drill all — a run that proves nothing', () => {
  it('drill all — only idle clients during a fault: unknown, not pass and not fail', () => {
    expect(provedNothing(run({}), [lin('pass'), lin('pass')])).toBe(true);
  });

  it('drill all — anything else wrong is a failure', () => {
    expect(provedNothing(run({ checker: 'fail' }), [lin('pass')])).toBe(false);
    expect(provedNothing(run({ error: 'timeout' }), [lin('pass')])).toBe(false);
    expect(provedNothing(run({}), [lin('fail')])).toBe(false);
    const other = run({});
    other.expectations!.push({ name: 'shards moved = optimal', pass: false, detail: '' });
    expect(provedNothing(other, [lin('pass')])).toBe(false);
    expect(provedNothing(run({ expectations: [] }), [lin('pass')])).toBe(false);
  });
});
