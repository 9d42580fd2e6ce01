import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BIN,
  DRILL_TIMEOUT_MS,
  drill,
  invariants,
  passingDrill,
  reapDrills,
  refused,
} from './harness.ts';

reapDrills();

describe('drill — real processes through the CLI', () => {
  it(
    'drill — node-loss: failover, exactly the lost shards move and come back, checker passes',
    async () => {
      const run = await passingDrill(['node-loss']);
      const r = run.report as {
        shardsMoved: number;
        optimalShardsMoved: number;
        writesAcked: number;
      };
      expect(r.shardsMoved).toBeGreaterThan(0);
      expect(r.shardsMoved).toBe(r.optimalShardsMoved);
      expect(r.writesAcked).toBeGreaterThan(0);
      const phases = run.progress.map((p) => p.phase);
      expect(phases).toEqual(
        expect.arrayContaining(['kill', 'failover', 'restart', 'rebalance', 'done']),
      );
      expect(run.progress.every((p) => p.drill === 'node-loss' && typeof p.at === 'number')).toBe(
        true,
      );
    },
    DRILL_TIMEOUT_MS,
  );

  it(
    'drill — split-brain: the minority answers no_quorum, heal, checker passes',
    async () => {
      const run = await passingDrill(['split-brain']);
      expect(run.report.rejectedNoQuorum as number).toBeGreaterThan(0);
    },
    DRILL_TIMEOUT_MS,
  );

  it(
    'drill — split-brain with external clients: their history is written, linearizable, and checkable by observatory check',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'drill-history-'));
      try {
        const history = join(dir, 'out.jsonl');
        const run = await drill(['split-brain', '--history', history, '--clients', '4']);
        expect(run.report, String(run.report.error)).toMatchObject(invariants);
        const lin = run.report.linearizability as Record<string, number | string>;
        expect(lin).toMatchObject({ verdict: 'pass', model: 'register' });
        expect(lin.ok as number).toBeGreaterThan(20);
        const byModel = run.report.linearizabilityByModel as Record<
          string,
          Record<string, unknown>
        >;
        expect(byModel.counter).toMatchObject({ verdict: 'pass', model: 'counter' });
        expect(run.report.history).toBe(history);
        const counterHistory = join(dir, 'out.counter.jsonl');
        expect(run.report.histories).toEqual({ register: history, counter: counterHistory });
        const lines = readFileSync(history, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(lines.map((l) => l.index)).toEqual(lines.map((_, i) => i));
        const partition = lines.find((l) => l.process === 'nemesis' && l.f === 'partition');
        expect(partition).toBeDefined();
        const processes = new Set(
          lines.filter((l) => l.process !== 'nemesis').map((l) => l.process),
        );
        expect(processes.size).toBeGreaterThanOrEqual(4);
        // clients kept working across the partition: operations completed after it
        expect(
          lines.some((l) => l.type === 'ok' && (l.time as number) > (partition!.time as number)),
        ).toBe(true);
        // every shard's register key was read at the end
        expect(lin.keys).toBe(64);
        const fs = new Set(lines.filter((l) => l.process !== 'nemesis').map((l) => l.f));
        expect([...fs].every((f) => ['read', 'write', 'cas'].includes(f as string))).toBe(true);
        expect(fs.has('write')).toBe(true);
        const check = (file: string, model = 'register') =>
          spawnSync(process.execPath, [BIN, 'check', file, '--model', model], {
            encoding: 'utf8',
          });
        expect(check(history).status).toBe(0);
        expect(check(counterHistory, 'counter').status).toBe(0);
        // the same history with one acknowledged read changed to a value never written
        const last = lines.findLastIndex((l) => l.type === 'ok' && l.f === 'read');
        const forged = lines.map((l, i) => (i === last ? { ...l, value: 424242 } : l));
        const forgedPath = join(dir, 'forged.jsonl');
        writeFileSync(forgedPath, forged.map((l) => JSON.stringify(l)).join('\n'));
        const r = check(forgedPath);
        expect(r.status).toBe(1);
        expect(r.stdout).toMatch(/FAIL/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    DRILL_TIMEOUT_MS,
  );

  it(
    'drill — pause: stale writes of a resumed owner are refused by the fence',
    async () => {
      const run = await passingDrill(['pause']);
      expect(run.report.rejectedFenced as number).toBeGreaterThan(0);
    },
    DRILL_TIMEOUT_MS,
  );

  // Once in five full-suite runs (not seen alone) a step of this run stalled past its 20 s
  // settle timeout and the drill failed on that instead of on the checker; a retry keeps the
  // control honest (it must still catch the double writer) while that stall is investigated.
  it(
    'drill — pause with the fence defeated: the checker finds two writers in one epoch, exit 1',
    { timeout: DRILL_TIMEOUT_MS, retry: 2 },
    async () => {
      const run = await drill(['pause', '--unsafe-no-fence']);
      const why = JSON.stringify({ error: run.report.error, timeline: run.report.timeline });
      expect(run.status).toBe(1);
      expect(run.report.verdict).toBe('fail');
      expect(run.report.checker, why).toBe('fail');
      expect(run.report.splitBrainEpochs as number).toBeGreaterThan(0);
    },
  );

  it(
    'drill — pause with a store that accepts any epoch (--unsafe no-store-fence): stale-epoch writes found, exit 1',
    async () => {
      const run = await drill(['pause', '--unsafe', 'no-store-fence']);
      expect(run.status).toBe(1);
      expect(run.report.verdict).toBe('fail');
      expect(run.report.checker).toBe('fail');
      expect(run.report.staleEpochWrites as number).toBeGreaterThan(0);
      const kinds = (run.report.violations as { kind: string }[]).map((v) => v.kind);
      expect(kinds.some((k) => k === 'stale_epoch_write' || k === 'epoch_regression')).toBe(true);
    },
    DRILL_TIMEOUT_MS,
  );

  it(
    'drill — all --runs 1: every drill once, counts and the checker speed-up, exit 0',
    async () => {
      const run = await drill(
        ['all', '--runs', '1', '--drills', 'node-loss,split-brain,pause'],
        3 * DRILL_TIMEOUT_MS,
      );
      expect(run.status).toBe(0);
      const r = run.report as unknown as {
        verdict: string;
        drills: { drill: string; runs: number; pass: number; minSpeedup: number }[];
      };
      expect(r.verdict).toBe('pass');
      expect(r.drills.map((d) => [d.drill, d.runs, d.pass])).toEqual([
        ['node-loss', 1, 1],
        ['split-brain', 1, 1],
        ['pause', 1, 1],
      ]);
      for (const d of r.drills) expect(d.minSpeedup).toBeGreaterThanOrEqual(10);
      expect(run.progress.map((p) => p.drill)).toEqual(['node-loss', 'split-brain', 'pause']);
    },
    3 * DRILL_TIMEOUT_MS,
  );

  it('drill — an unknown drill name fails with a clear message', async () => {
    const { status, stderr } = await refused(['meteor']);
    expect(status).not.toBe(0);
    expect(stderr).toContain("must be 'node-loss', 'split-brain', 'pause', 'isolate'");
  });
});
