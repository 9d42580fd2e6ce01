import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkHistory,
  checkStore,
  exportHistory,
  maxUnavailable,
  type Outcome,
} from './checker.ts';
import { openSqliteStore } from './store/sqlite.ts';
import type { EpochGrant, HistoryRow } from './store/types.ts';

/** builds a consistent history from [shard, epoch, node, key, amount] tuples */
function history(rows: [number, number, string, string, number][]): HistoryRow[] {
  const sums = new Map<string, number>();
  return rows.map(([shard, epoch, node, key, amount], i) => {
    const value = (sums.get(key) ?? 0) + amount;
    sums.set(key, value);
    return {
      seq: i + 1,
      shard,
      epoch,
      node,
      requestId: `r${i + 1}`,
      key,
      amount,
      value,
      committedAt: 1000 + i,
    };
  });
}

const ack = (row: HistoryRow, t = 0): Outcome => ({
  requestId: row.requestId,
  key: row.key,
  amount: row.amount,
  shard: row.shard,
  ok: true,
  value: row.value,
  epoch: row.epoch,
  node: row.node,
  startedAt: t,
  finishedAt: t + 1,
});

const fail = (code: string, shard: number, t: number, id = `f${t}`): Outcome => ({
  requestId: id,
  key: 'x',
  amount: 1,
  shard,
  ok: false,
  code,
  startedAt: t,
  finishedAt: t + 1,
});

const good = history([
  [0, 1, 'a', 'k0', 1],
  [1, 1, 'b', 'k1', 2],
  [0, 1, 'a', 'k0', 3],
  [0, 2, 'c', 'k0', 4], // c took shard 0 over in a new epoch: fine
  [1, 1, 'b', 'k1', 5],
]);
const goodLog: EpochGrant[] = [
  { shard: 0, epoch: 1, node: 'a', at: 0 },
  { shard: 0, epoch: 2, node: 'c', at: 0 },
  { shard: 1, epoch: 1, node: 'b', at: 0 },
];

describe('shards/checker — accepts good histories', () => {
  it('shards/checker — a clean history with all acks present passes', () => {
    const r = checkHistory({
      history: good,
      outcomes: [
        ...good.map((h) => ack(h)),
        fail('no_quorum', 0, 5),
        fail('fenced', 0, 6),
        fail('wrong_owner', 1, 7),
      ],
      counters: { k0: 8, k1: 7 },
      epochLog: goodLog,
    });
    expect(r.verdict).toBe('pass');
    expect(r.violations).toEqual([]);
    expect(r).toMatchObject({
      writesAttempted: 8,
      writesAcked: 5,
      rejectedNoQuorum: 1,
      rejectedFenced: 1,
      rejectedOther: 1,
      writesCommitted: 5,
      doubleWrites: 0,
      lostAckedWrites: 0,
      epochRegressions: 0,
      splitBrainEpochs: 0,
    });
  });

  it('shards/checker — an empty history passes, and a committed but unacknowledged write is allowed', () => {
    expect(checkHistory({ history: [] }).verdict).toBe('pass');
    // the client timed out, yet the write committed: indeterminate, not a violation
    const r = checkHistory({
      history: good,
      outcomes: [{ ...fail('forward_failed', 0, 1), requestId: 'r1' }],
    });
    expect(r.verdict).toBe('pass');
  });

  it('shards/checker — input order does not matter: rows are checked in commit (seq) order', () => {
    expect(checkHistory({ history: [...good].reverse(), counters: { k0: 8, k1: 7 } }).verdict).toBe(
      'pass',
    );
  });
});

describe('shards/checker — rejects bad histories', () => {
  it('shards/checker — two nodes writing one shard in one epoch', () => {
    const bad = history([
      [0, 1, 'a', 'k0', 1],
      [0, 1, 'b', 'k0', 1],
    ]);
    const r = checkHistory({ history: bad });
    expect(r.verdict).toBe('fail');
    expect(r.splitBrainEpochs).toBe(1);
    expect(r.violations[0]!.kind).toBe('split_brain_epoch');
    expect(r.violations[0]!.detail).toContain('a, b');
  });

  it('shards/checker — the same node in one epoch on two shards is not split brain', () => {
    const r = checkHistory({
      history: history([
        [0, 1, 'a', 'k0', 1],
        [1, 1, 'b', 'k1', 1],
      ]),
    });
    expect(r.splitBrainEpochs).toBe(0);
  });

  it('shards/checker — an epoch going backwards on a shard', () => {
    const bad = history([
      [0, 2, 'a', 'k0', 1],
      [1, 1, 'b', 'k1', 1], // other shard: no effect
      [0, 1, 'b', 'k0', 1],
      [0, 2, 'a', 'k0', 1],
    ]);
    const r = checkHistory({ history: bad });
    expect(r.verdict).toBe('fail');
    expect(r.epochRegressions).toBe(1);
    expect(r.violations.map((v) => v.kind)).toContain('epoch_regression');
  });

  it('shards/checker — an acknowledged write missing from the store', () => {
    const lost: Outcome = { ...ack(good[0]!), requestId: 'never-committed' };
    const r = checkHistory({ history: good, outcomes: [...good.map((h) => ack(h)), lost] });
    expect(r.verdict).toBe('fail');
    expect(r.lostAckedWrites).toBe(1);
    expect(r.violations[0]!.detail).toContain('never-committed');
  });

  it('shards/checker — one request id applied twice', () => {
    const twice = [...good, { ...good[1]!, seq: 6, value: good[1]!.value + 5 + 2 }];
    const r = checkHistory({ history: twice });
    expect(r.verdict).toBe('fail');
    expect(r.doubleWrites).toBe(1);
  });

  it('shards/checker — a write by a node that did not take that epoch', () => {
    const r = checkHistory({ history: good, epochLog: goodLog.filter((g) => g.epoch !== 2) });
    expect(r.verdict).toBe('fail');
    expect(r.foreignEpochWrites).toBe(1);
  });

  it("shards/checker — a stale-epoch write that commits before the new epoch's first write is caught against the grants", () => {
    // A holds epoch 1; epoch 2 is granted to B after seq 1; A's epoch-1 write lands at seq 2
    // (a store without a fence), before B's first write at seq 3
    const rows = history([
      [0, 1, 'a', 'k', 1],
      [0, 1, 'a', 'k', 1],
      [0, 2, 'b', 'k', 1],
    ]);
    const log: EpochGrant[] = [
      { shard: 0, epoch: 1, node: 'a', at: 900, afterSeq: 0 },
      { shard: 0, epoch: 2, node: 'b', at: 1000, afterSeq: 1 },
    ];
    // the commit-order checks alone see nothing wrong: that was the blind spot
    const withoutGrantTimes = checkHistory({
      history: rows,
      epochLog: log.map(({ afterSeq: _, ...g }) => g),
    });
    expect(withoutGrantTimes.verdict).toBe('pass');
    const r = checkHistory({ history: rows, epochLog: log });
    expect(r.verdict).toBe('fail');
    expect(r.staleEpochWrites).toBe(1);
    expect(r.violations.map((v) => v.kind)).toEqual(['stale_epoch_write']);
    expect(r.violations[0]!.detail).toMatch(
      /seq 2: a wrote shard 0 in epoch 1 after epoch 2 was granted to b/,
    );
    // the same write one seq earlier, before the grant, is fine
    const before = checkHistory({
      history: rows,
      epochLog: [log[0]!, { ...log[1]!, afterSeq: 2 }],
    });
    expect(before.staleEpochWrites).toBe(0);
  });

  it('shards/checker — a counter that is not the sum of its history', () => {
    expect(checkHistory({ history: good, counters: { k0: 9, k1: 7 } }).counterMismatches).toBe(1);
    expect(checkHistory({ history: good, counters: { k0: 8, k1: 7, extra: 1 } }).verdict).toBe(
      'fail',
    );
    const broken = good.map((h) => (h.seq === 3 ? { ...h, value: 100 } : h));
    expect(checkHistory({ history: broken }).verdict).toBe('fail');
  });

  it('shards/checker — an acknowledgement that disagrees with the committed row', () => {
    const r = checkHistory({ history: good, outcomes: [{ ...ack(good[0]!), value: 42 }] });
    expect(r.verdict).toBe('fail');
    expect(r.ackMismatches).toBe(1);
  });

  it('shards/checker — lists at most maxListed violations but counts them all', () => {
    const rows = history(
      Array.from(
        { length: 10 },
        (_, i) => [0, 1, i % 2 ? 'a' : 'b', 'k', 1] as [number, number, string, string, number],
      ),
    );
    const outcomes = Array.from({ length: 20 }, (_, i) => ({
      ...ack(rows[0]!),
      requestId: `lost${i}`,
    }));
    const r = checkHistory({ history: rows, outcomes, maxListed: 3 });
    expect(r.lostAckedWrites).toBe(20);
    expect(r.violations).toHaveLength(3);
  });
});

describe('shards/checker — unavailability', () => {
  it('shards/checker — longest run of failures on a shard until its next success', () => {
    const outcomes: Outcome[] = [
      fail('no_quorum', 0, 100),
      fail('no_quorum', 0, 200),
      { ...ack(good[0]!, 600), shard: 0 }, // closes the shard-0 outage at 601
      fail('no_quorum', 1, 150),
      { ...ack(good[1]!, 300), shard: 1 }, // closes shard 1 at 301
    ];
    expect(maxUnavailable(outcomes)).toBe(501);
    expect(checkHistory({ history: good, outcomes }).maxUnavailableMs).toBe(501);
  });

  it('shards/checker — an outage still open at the end lasts until the last result', () => {
    expect(maxUnavailable([fail('no_quorum', 2, 10), fail('no_quorum', 2, 50)])).toBe(41);
    expect(maxUnavailable([])).toBe(0);
  });

  it('shards/checker — shards come from keys when outcomes do not carry them', () => {
    const o = (key: string, ok: boolean, t: number): Outcome => ({
      requestId: `${key}${t}`,
      key,
      amount: 1,
      ok,
      startedAt: t,
      finishedAt: t + 1,
    });
    // 'a' and 'foobar' fall on different shards of 64, so one's success does not close the other's outage
    expect(maxUnavailable([o('a', false, 0), o('foobar', true, 10), o('a', true, 100)], 64)).toBe(
      101,
    );
  });
});

describe('shards/checker — real store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shards-checker-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shards/checker — checks and exports a real SQLite history, and catches a fenced stale writer', async () => {
    const store = openSqliteStore(join(dir, 'ledger.db'));
    const outcomes: Outcome[] = [];
    const attempt = async (node: string, epoch: number, requestId: string): Promise<void> => {
      try {
        const r = await store.commitWrite({
          shard: 5,
          epoch,
          node,
          requestId,
          key: 'acct',
          amount: 10,
        });
        outcomes.push({
          requestId,
          key: 'acct',
          amount: 10,
          ok: true,
          value: r.value,
          epoch: r.epoch,
          node,
          startedAt: 0,
          finishedAt: 1,
        });
      } catch (err) {
        outcomes.push({
          requestId,
          key: 'acct',
          amount: 10,
          ok: false,
          code: (err as { code: string }).code,
          startedAt: 0,
          finishedAt: 1,
        });
      }
    };
    const e1 = await store.bumpEpoch(5, 'old');
    await attempt('old', e1, 'w1');
    const e2 = await store.bumpEpoch(5, 'new');
    await attempt('old', e1, 'w2'); // the paused old owner wakes up: fenced
    await attempt('new', e2, 'w3');
    const report = await checkStore(store, outcomes);
    expect(report).toMatchObject({
      verdict: 'pass',
      writesAcked: 2,
      rejectedFenced: 1,
      doubleWrites: 0,
    });

    const exported = await exportHistory(store);
    const json = JSON.parse(JSON.stringify(exported)) as typeof exported;
    expect(json.format).toBe('cluster-observatory/ledger-history@1');
    expect(json.history.map((h) => h.requestId)).toEqual(['w1', 'w3']);
    expect(json.counters).toEqual({ acct: 20 });
    expect(json.epochLog.map((g) => g.node)).toEqual(['old', 'new']);
    // and the exported JSON checks the same as the live store
    expect(
      checkHistory({
        history: json.history,
        counters: json.counters,
        epochLog: json.epochLog,
        outcomes,
      }).verdict,
    ).toBe('pass');
    await store.close();
  });
});
