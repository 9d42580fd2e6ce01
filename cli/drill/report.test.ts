import { describe, expect, it } from 'vitest';
import { checkHistory } from '../../cluster/shards/index.ts';
import { expectationsFor, formatReport, type DrillReport } from './report.ts';

const timing = { leaseMs: 1_200, ticktimeMs: 1_000, shardCount: 64, nodes: 5 };
const ok = (o: { ok: boolean; code?: string; value?: number }, i: number) => ({
  requestId: `r${i}`,
  key: 'k',
  amount: 1,
  startedAt: i,
  finishedAt: i + 1,
  ...o,
});
const history = [
  {
    seq: 1,
    shard: 0,
    epoch: 1,
    node: 'a',
    requestId: 'r0',
    key: 'k',
    amount: 1,
    value: 1,
    committedAt: 1,
  },
];

describe('drill/report — expectations', () => {
  it('drill/report — node-loss fails when the loss moved other shards than the victim had', () => {
    const check = checkHistory({ history, outcomes: [ok({ ok: true, value: 1 }, 0)] });
    const good = expectationsFor(
      'node-loss',
      check,
      {
        victimShards: 12,
        lossMoved: 12,
        returnMoved: 12,
        shardsMoved: 24,
        optimalShardsMoved: 24,
        failoverMs: 1_500,
      },
      timing,
    );
    expect(good.every((e) => e.pass)).toBe(true);
    const bad = expectationsFor(
      'node-loss',
      check,
      {
        victimShards: 12,
        lossMoved: 13,
        returnMoved: 16,
        shardsMoved: 29,
        optimalShardsMoved: 24,
        failoverMs: 4_000,
      },
      timing,
    );
    expect(bad.filter((e) => !e.pass).map((e) => e.name)).toEqual([
      "loss moved exactly the victim's shards",
      'return moved at most shardCount/N + 2',
      'shards moved = optimal',
      'failover within lease + ticktime + 1 s',
    ]);
  });

  it('drill/report — node-loss moves counted over other membership changes than the nemesis made are inconclusive, never pass', () => {
    const check = checkHistory({ history, outcomes: [ok({ ok: true, value: 1 }, 0)] });
    const findings = {
      victimShards: 12,
      lossMoved: 12,
      returnMoved: 95,
      shardsMoved: 107,
      optimalShardsMoved: 36,
      failoverMs: 1_100,
    };
    const clean = expectationsFor(
      'node-loss',
      check,
      { ...findings, membershipChanges: 2, onlyNemesisChanges: true },
      timing,
    );
    const failed = clean.filter((e) => !e.pass);
    expect(failed.map((e) => e.name)).toEqual([
      'return moved at most shardCount/N + 2',
      'shards moved = optimal',
    ]);
    expect(failed.every((e) => e.inconclusive === undefined)).toBe(true);
    const flapped = expectationsFor(
      'node-loss',
      check,
      { ...findings, membershipChanges: 6, onlyNemesisChanges: false },
      timing,
    ).filter((e) => !e.pass);
    expect(flapped.map((e) => e.inconclusive)).toEqual([true, true]);
    expect(flapped[0]!.detail).toContain('6 membership changes where the nemesis made 2');
  });

  it('drill/report — split-brain needs no_quorum refusals, pause needs fenced ones', () => {
    const none = checkHistory({ history, outcomes: [ok({ ok: true, value: 1 }, 0)] });
    expect(expectationsFor('split-brain', none, {}, timing).some((e) => !e.pass)).toBe(true);
    expect(expectationsFor('pause', none, {}, timing).some((e) => !e.pass)).toBe(true);
    const refused = checkHistory({
      history,
      outcomes: [
        ok({ ok: true, value: 1 }, 0),
        ok({ ok: false, code: 'no_quorum' }, 1),
        ok({ ok: false, code: 'fenced' }, 2),
      ],
    });
    expect(expectationsFor('split-brain', refused, {}, timing).every((e) => e.pass)).toBe(true);
    expect(expectationsFor('pause', refused, {}, timing).every((e) => e.pass)).toBe(true);
  });

  it('drill/report — the human report names the verdict, failed expectations and violations', () => {
    const check = checkHistory({ history: [...history, { ...history[0]!, seq: 2, node: 'b' }] });
    const report: DrillReport = {
      ...check,
      verdict: 'fail',
      drill: 'pause',
      nodes: 3,
      store: 'sqlite',
      shardCount: 64,
      leaseMs: 1_200,
      ticktimeMs: 1_000,
      durationMs: 12_000,
      checker: check.verdict,
      findings: {},
      expectations: expectationsFor('pause', check, {}, timing),
      timeline: [{ phase: 'start', atMs: 0 }],
    };
    const text = formatReport(report);
    expect(text).toContain('drill pause: FAIL');
    expect(text).toContain('FAIL stale writes refused by the fence');
    expect(text).toMatch(/split_brain_epoch: shard\/epoch 0\/1 written by a, b/);
  });
});

describe('drill/report — clock-jump leases', () => {
  const check = checkHistory({ history, outcomes: [ok({ ok: true, value: 1 }, 0)] });
  const step = (kept: number, controlKept: number) => ({
    ms: 3_600_000,
    offsetMs: 3_600_000,
    skewSeenMs: 3_600_000,
    leasesBefore: 20,
    leasesKept: kept,
    control: { node: 'n2', leasesBefore: 20, leasesKept: controlKept },
  });
  const leases = (kept: number, controlKept: number) =>
    expectationsFor('clock-jump', check, { clockSteps: [step(kept, controlKept)] }, timing).find(
      (e) => e.name.includes('leases kept'),
    )!;

  it('drill/report — the stepped node losing its leases while the unstepped one keeps them fails', () => {
    const e = leases(0, 20);
    expect(e.pass).toBe(false);
    expect(e.inconclusive).toBeUndefined();
  });

  it('drill/report — both nodes losing their leases in the step window is inconclusive, not a pass', () => {
    const e = leases(0, 3);
    expect(e.pass).toBe(false);
    expect(e.inconclusive).toBe(true);
    expect(e.detail).toContain('unstepped n2: 3 of 20');
    expect(leases(20, 3).pass).toBe(true);
  });
});
