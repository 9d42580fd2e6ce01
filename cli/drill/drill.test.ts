import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * Each drill through the real CLI (`node bin/observatory.mjs drill … --json --progress`): real node
 * processes, a real SQLite file, the checker. The drill kills its own nodes; the drill process
 * itself runs in its own group so that a failing test still reaps everything.
 */
const BIN = fileURLToPath(new URL('../../bin/observatory.mjs', import.meta.url));
const DRILL_TIMEOUT_MS = 60_000;

interface Run {
  status: number | string;
  report: Record<string, unknown>;
  progress: Record<string, unknown>[];
  stderr: string;
}

const groups = new Set<number>();
afterEach(() => {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  groups.clear();
});

function drill(args: string[], timeoutMs = DRILL_TIMEOUT_MS): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [BIN, 'drill', ...args, '--json', '--progress', '--hold-ms', '500'],
      {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    if (child.pid !== undefined) groups.add(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => reject(new Error(`drill timed out: ${stderr}`)), timeoutMs);
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      const lines = stdout.trim().split('\n');
      try {
        expect(lines).toHaveLength(1);
        const progress = stderr
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        resolve({
          status: code ?? sig ?? 'unknown',
          report: JSON.parse(lines[0]!) as Record<string, unknown>,
          progress,
          stderr,
        });
      } catch (err) {
        reject(new Error(`bad drill output (${String(err)}): ${stdout}\n${stderr}`));
      }
    });
  });
}

const invariants = {
  verdict: 'pass',
  checker: 'pass',
  doubleWrites: 0,
  lostAckedWrites: 0,
  epochRegressions: 0,
  splitBrainEpochs: 0,
  foreignEpochWrites: 0,
  staleEpochWrites: 0,
};

describe('drill — real processes through the CLI', () => {
  it(
    'drill — node-loss: failover, exactly the lost shards move and come back, checker passes',
    async () => {
      const run = await drill(['node-loss']);
      expect(run.report, String(run.report.error)).toMatchObject(invariants);
      expect(run.status).toBe(0);
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
      const run = await drill(['split-brain']);
      expect(run.report, String(run.report.error)).toMatchObject(invariants);
      expect(run.status).toBe(0);
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
        expect(lin).toMatchObject({ verdict: 'pass', model: 'counter' });
        expect(lin.ok as number).toBeGreaterThan(20);
        expect(run.report.history).toBe(history);
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
        const check = (file: string) =>
          spawnSync(process.execPath, [BIN, 'check', file, '--model', 'counter'], {
            encoding: 'utf8',
          });
        expect(check(history).status).toBe(0);
        // the same history with one acknowledged read inflated: the checker must catch it
        const last = lines.findLastIndex((l) => l.type === 'ok' && l.f === 'read');
        const forged = lines.map((l, i) =>
          i === last ? { ...l, value: (l.value as number) + 1_000 } : l,
        );
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
      const run = await drill(['pause']);
      expect(run.report, String(run.report.error)).toMatchObject(invariants);
      expect(run.status).toBe(0);
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
      const run = await drill(['all', '--runs', '1'], 3 * DRILL_TIMEOUT_MS);
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
    const child = spawn(process.execPath, [BIN, 'drill', 'meteor'], { stdio: 'pipe' });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const status = await new Promise((r) => child.once('exit', r));
    expect(status).not.toBe(0);
    expect(stderr).toContain("must be 'node-loss', 'split-brain', 'pause' or 'all'");
  });
});
