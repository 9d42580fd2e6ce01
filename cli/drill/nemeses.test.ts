import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drill, DRILL_TIMEOUT_MS, invariants, reapDrills, refused } from './harness.ts';
import { randomSchedule } from './nemeses.ts';

reapDrills();

interface Lin {
  verdict: string;
  model: string;
  failures: { key: string; window: { process: number; op: string }[] }[];
}

describe('drill — nemeses and negative controls through the CLI', () => {
  it(
    'drill — split-brain --unsafe no-lease: both sides own every shard, the register history is not linearizable, the report names the window, exit 1',
    async () => {
      const run = await drill(['split-brain', '--unsafe', 'no-lease']);
      expect(run.status).toBe(1);
      expect(run.report.verdict).toBe('fail');
      const byModel = run.report.linearizabilityByModel as Record<string, Lin>;
      expect(byModel.register!.verdict, JSON.stringify(run.report.error)).toBe('fail');
      const window = byModel.register!.failures[0]!.window;
      expect(window.length).toBeGreaterThanOrEqual(2);
      expect(window.some((w) => w.op.startsWith('read'))).toBe(true);
      // without leases nobody answers no_quorum: the minority writes too
      expect(run.report.rejectedNoQuorum).toBe(0);
    },
    DRILL_TIMEOUT_MS,
  );

  it('drill — a negative control is refused with a drill it is not measured to defeat', async () => {
    for (const [kind, sw, right] of [
      ['node-loss', 'no-lease', 'split-brain'],
      ['split-brain', 'no-store-fence', 'pause'],
      ['random', 'no-lease', 'split-brain'],
    ] as const) {
      const { status, stderr } = await refused([kind, '--unsafe', sw]);
      expect(status).toBe(2);
      expect(stderr).toContain(`--unsafe ${sw} is a negative control for '${right}' only`);
    }
  });

  it(
    'drill — isolate: the cut node answers no_quorum, the rest take over, both histories linearizable',
    async () => {
      const run = await drill(['isolate']);
      expect(run.report, String(run.report.error)).toMatchObject(invariants);
      expect(run.status).toBe(0);
      expect(run.report.rejectedNoQuorum as number).toBeGreaterThan(0);
      const byModel = run.report.linearizabilityByModel as Record<string, Lin>;
      expect(byModel.register!.verdict).toBe('pass');
      expect(byModel.counter!.verdict).toBe('pass');
    },
    DRILL_TIMEOUT_MS,
  );

  it(
    'drill — bridge: one node sees both sides, single ownership holds, checkers pass',
    async () => {
      const run = await drill(['bridge']);
      expect(run.report, String(run.report.error)).toMatchObject(invariants);
      expect(run.status).toBe(0);
      expect((run.report.findings as { bridge: string }).bridge).toBe('n3@127.0.0.1');
      expect(run.progress.map((p) => p.phase)).toContain('bridge');
      // the clients worked while the bridge stood
      const faults = run.report.faults as { f: string; opsDuringFault: number }[];
      expect(faults.map((f) => f.f)).toEqual(['bridge']);
      expect(faults[0]!.opsDuringFault).toBeGreaterThan(0);
    },
    DRILL_TIMEOUT_MS,
  );

  it(
    'drill — flap: four cut/heal cycles under load, checkers pass',
    async () => {
      const run = await drill(['flap']);
      expect(run.report, String(run.report.error)).toMatchObject(invariants);
      expect(run.status).toBe(0);
      expect(run.progress.filter((p) => p.phase === 'partition' && p.tick !== true)).toHaveLength(
        4,
      );
      // each cut is a fault the clients worked through (the drill holds it until they did)
      const faults = run.report.faults as { f: string; opsDuringFault: number }[];
      expect(faults.map((f) => f.f)).toEqual(['partition', 'partition', 'partition', 'partition']);
      expect(faults.every((f) => f.opsDuringFault > 0)).toBe(true);
    },
    DRILL_TIMEOUT_MS,
  );

  it(
    'drill — clock-jump: a node whose wall clock steps ±1 h keeps its leases (monotonic), checkers pass',
    async () => {
      const run = await drill(['clock-jump']);
      expect(run.report, String(run.report.error)).toMatchObject(invariants);
      expect(run.status).toBe(0);
      const steps = (
        run.report.findings as {
          clockSteps: { ms: number; offsetMs: number; skewSeenMs: number; leasesKept: number }[];
        }
      ).clockSteps;
      expect(steps.map((s) => s.offsetMs)).toEqual([3_600_000, -3_600_000, 0]);
      // the node's own clock really moved
      expect(Math.abs(steps[0]!.skewSeenMs - 3_600_000)).toBeLessThan(5_000);
      expect(steps.every((s) => s.leasesKept > 0)).toBe(true);
    },
    DRILL_TIMEOUT_MS,
  );

  it(
    'drill — random --seed: the seeded schedule is in the report and the history as nemesis events',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'drill-random-'));
      try {
        const history = join(dir, 'h.jsonl');
        const run = await drill([
          'random',
          '--seed',
          '7',
          '--duration',
          '10s',
          '--history',
          history,
        ]);
        expect(run.report, String(run.report.error)).toMatchObject(invariants);
        const findings = run.report.findings as { seed: number; schedule: unknown[] };
        expect(findings.seed).toBe(7);
        const expected = randomSchedule(7, 10_000, 5, { leaseMs: 1_200, ticktimeMs: 1_000 });
        expect(findings.schedule).toEqual(expected);
        expect(expected.length).toBeGreaterThan(0);
        const faults = readFileSync(history, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { process: unknown; value?: { fault?: number } })
          .filter((l) => l.process === 'nemesis' && l.value?.fault !== undefined);
        expect(new Set(faults.map((l) => l.value!.fault)).size).toBe(expected.length);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    DRILL_TIMEOUT_MS,
  );
});
