import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLIENTS_THROUGH_FAULTS } from './fault-ops.ts';
import {
  formatAll,
  provedNothing,
  runAll,
  type LinReport,
  type RunOnce,
  type RunReport,
} from './run-all.ts';

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

  it('drill all — a failed expectation confounded by its control (inconclusive): unknown', () => {
    const stalled = run({});
    stalled.expectations!.push({
      name: 'clock step 3: leases kept their epochs (monotonic leases)',
      pass: false,
      detail: '0 of 22 kept; unstepped n2: 1 of 21',
      inconclusive: true,
    });
    expect(provedNothing(stalled, [lin('pass')])).toBe(true);
    stalled.expectations!.at(-1)!.inconclusive = false;
    expect(provedNothing(stalled, [lin('pass')])).toBe(false);
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

describe('drill all — --keep', () => {
  // a fake run (the real one is a drill process): it makes a temp dir as `drill --keep` does
  const fakeRuns = (verdicts: string[]) => {
    const seen: string[][] = [];
    const dirs: string[] = [];
    const run: RunOnce = (_drill, args) => {
      seen.push([...args]);
      const dir = mkdtempSync(join(tmpdir(), 'run-all-test-'));
      dirs.push(dir);
      writeFileSync(join(dir, 'history.jsonl'), '');
      const verdict = verdicts[seen.length - 1]!;
      const lins = { register: lin(verdict === 'unknown' ? 'unknown' : 'pass') };
      return Promise.resolve({
        verdict: verdict === 'pass' ? 'pass' : 'fail',
        checker: verdict === 'fail' ? 'fail' : 'pass',
        violations: verdict === 'fail' ? [{ kind: 'double_write', detail: 'k1' }] : [],
        linearizabilityByModel: lins,
        durationMs: 1000,
        ...(args.includes('--keep') ? { dir } : {}),
      });
    };
    return { run, seen, dirs };
  };

  it('drill all — keeps the dirs of failing and unknown runs, names them, deletes the rest', async () => {
    const { run, seen, dirs } = fakeRuns(['pass', 'fail', 'unknown']);
    const r = await runAll(3, ['--rate', '10'], { drills: ['pause'], keepFailed: true, run });
    expect(seen.every((a) => a.includes('--keep') && a.includes('--rate'))).toBe(true);
    const d = r.drills[0]!;
    expect([d.pass, d.fail, d.unknown]).toEqual([1, 1, 1]);
    expect(d.kept).toHaveLength(2);
    for (const dir of d.kept!) expect(existsSync(join(dir, 'history.jsonl'))).toBe(true);
    expect(d.failures[0]).toContain(`(kept: ${d.kept![0]})`);
    expect(formatAll(r)).toContain(`kept: ${d.kept![1]}`);
    expect(d.kept).toEqual([dirs[1], dirs[2]]);
    expect(existsSync(dirs[0]!)).toBe(false);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('drill all — without --keep the runs are asked to keep nothing', async () => {
    const { run, seen, dirs } = fakeRuns(['pass', 'fail']);
    const r = await runAll(2, [], { drills: ['pause'], run });
    expect(seen.some((a) => a.includes('--keep'))).toBe(false);
    expect(r.drills[0]!.kept).toBeUndefined();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
});
