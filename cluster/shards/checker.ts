import { shardOf } from './hash.ts';
import type { EpochGrant, FencedStore, HistoryRow, ShardEpoch } from './store/types.ts';

/**
 * The split-brain checker: reads the store's write history (and what clients were told) and
 * decides whether single-writer ownership held. Pure over its input, so hand-made histories and
 * real ones go through the same code.
 */

/** What a client saw for one write attempt (one line of the workload's outcome log). */
export interface Outcome {
  readonly requestId: string;
  readonly key: string;
  readonly amount: number;
  /** computed from the key when absent and shardCount is given */
  readonly shard?: number;
  readonly ok: boolean;
  /** error code when !ok (no_quorum, fenced, wrong_owner, …) */
  readonly code?: string;
  /** counter value the client was told, when ok */
  readonly value?: number;
  readonly epoch?: number;
  readonly node?: string;
  /** ms since epoch */
  readonly startedAt: number;
  readonly finishedAt: number;
}

export type ViolationKind =
  | 'split_brain_epoch'
  | 'epoch_regression'
  | 'foreign_epoch_write'
  | 'stale_epoch_write'
  | 'lost_acked_write'
  | 'ack_mismatch'
  | 'double_write'
  | 'counter_mismatch';

export interface Violation {
  readonly kind: ViolationKind;
  readonly detail: string;
}

export interface CheckInput {
  readonly history: readonly HistoryRow[];
  /** the client's outcome log; without it acknowledged writes cannot be checked */
  readonly outcomes?: readonly Outcome[];
  /** the store's counters, checked against the sum of the history */
  readonly counters?: Readonly<Record<string, number>>;
  /** who took each epoch; writes by anyone else in that epoch are violations */
  readonly epochLog?: readonly EpochGrant[];
  /** to compute an outcome's shard from its key, for maxUnavailableMs per shard */
  readonly shardCount?: number;
  /** reported as is (measured by whoever moved members) */
  readonly shardsMoved?: number;
  readonly optimalShardsMoved?: number;
  /** how many violations to list in the report; default 50 */
  readonly maxListed?: number;
}

export interface CheckReport {
  readonly verdict: 'pass' | 'fail';
  readonly writesAttempted: number;
  readonly writesAcked: number;
  readonly rejectedNoQuorum: number;
  readonly rejectedFenced: number;
  /** failures with any other code (wrong_owner, handoff_timeout, store_unavailable, …) */
  readonly rejectedOther: number;
  readonly writesCommitted: number;
  /** extra applications of one request id */
  readonly doubleWrites: number;
  readonly lostAckedWrites: number;
  readonly epochRegressions: number;
  /** (shard, epoch) pairs in which more than one node committed */
  readonly splitBrainEpochs: number;
  /** writes committed by a node other than the one that took that epoch */
  readonly foreignEpochWrites: number;
  /**
   * writes committed after a newer epoch of their shard had been granted (checked against the
   * grants, so a stale write that lands before the new owner's first write is caught too)
   */
  readonly staleEpochWrites: number;
  /** acknowledged results that disagree with the committed row */
  readonly ackMismatches: number;
  /** keys whose counter is not the sum of its history, or whose value chain breaks */
  readonly counterMismatches: number;
  /** longest time some shard failed every write, from the first failure to the next success */
  readonly maxUnavailableMs: number;
  readonly shardsMoved: number;
  readonly optimalShardsMoved: number;
  readonly violations: readonly Violation[];
}

/** Checks a history; see CheckReport for what each field counts. */
export function checkHistory(input: CheckInput): CheckReport {
  const maxListed = input.maxListed ?? 50;
  const violations: Violation[] = [];
  const note = (kind: ViolationKind, detail: string): void => {
    if (violations.length < maxListed) violations.push({ kind, detail });
  };
  const history = [...input.history].sort((a, b) => a.seq - b.seq);

  // two writers in one epoch, and epochs going backwards, per shard in commit order
  const writers = new Map<string, Set<string>>();
  const highest = new Map<number, number>();
  let epochRegressions = 0;
  for (const h of history) {
    const id = `${h.shard}/${h.epoch}`;
    const set = writers.get(id) ?? new Set<string>();
    set.add(h.node);
    writers.set(id, set);
    const top = highest.get(h.shard) ?? 0;
    if (h.epoch < top) {
      epochRegressions++;
      note(
        'epoch_regression',
        `shard ${h.shard}: epoch ${h.epoch} committed after ${top} (seq ${h.seq})`,
      );
    } else highest.set(h.shard, h.epoch);
  }
  let splitBrainEpochs = 0;
  for (const [id, nodes] of writers) {
    if (nodes.size > 1) {
      splitBrainEpochs++;
      note('split_brain_epoch', `shard/epoch ${id} written by ${[...nodes].sort().join(', ')}`);
    }
  }

  let foreignEpochWrites = 0;
  if (input.epochLog) {
    const taker = new Map(input.epochLog.map((g) => [`${g.shard}/${g.epoch}`, g.node]));
    for (const h of history) {
      const owner = taker.get(`${h.shard}/${h.epoch}`);
      if (owner !== h.node) {
        foreignEpochWrites++;
        note(
          'foreign_epoch_write',
          `seq ${h.seq}: ${h.node} wrote shard ${h.shard} in epoch ${h.epoch} taken by ${owner ?? 'nobody'}`,
        );
      }
    }
  }

  // writes against grants: once epoch e' of a shard is granted, a write of an older epoch that
  // commits after it is stale even if no write of e' came before it (the blind spot of the
  // commit-order check above)
  let staleEpochWrites = 0;
  if (input.epochLog) {
    // per shard: for each epoch, the earliest grant position (afterSeq) of any newer epoch
    const grants = new Map<number, EpochGrant[]>();
    for (const g of input.epochLog) {
      if (g.afterSeq === undefined) continue;
      const list = grants.get(g.shard) ?? [];
      list.push(g);
      grants.set(g.shard, list);
    }
    for (const list of grants.values()) list.sort((a, b) => a.epoch - b.epoch);
    for (const h of history) {
      const list = grants.get(h.shard);
      if (!list) continue;
      let newer: EpochGrant | undefined;
      for (const g of list)
        if (g.epoch > h.epoch && (newer === undefined || g.afterSeq! < newer.afterSeq!)) newer = g;
      if (newer && h.seq > newer.afterSeq!) {
        staleEpochWrites++;
        note(
          'stale_epoch_write',
          `seq ${h.seq}: ${h.node} wrote shard ${h.shard} in epoch ${h.epoch} after epoch ${newer.epoch} was granted to ${newer.node} (at ${new Date(newer.at).toISOString()}, after seq ${newer.afterSeq})`,
        );
      }
    }
  }

  // the same request applied twice
  const byRequest = new Map<string, HistoryRow>();
  let doubleWrites = 0;
  for (const h of history) {
    if (byRequest.has(h.requestId)) {
      doubleWrites++;
      note('double_write', `request ${h.requestId} applied again at seq ${h.seq}`);
    } else byRequest.set(h.requestId, h);
  }

  // counters: each key's value chain and final value follow from its amounts
  let counterMismatches = 0;
  const sums = new Map<string, number>();
  for (const h of history) {
    const expected = (sums.get(h.key) ?? 0) + h.amount;
    if (h.value !== expected) {
      counterMismatches++;
      note(
        'counter_mismatch',
        `key ${h.key}: seq ${h.seq} recorded ${h.value}, history sums to ${expected}`,
      );
    }
    sums.set(h.key, expected);
  }
  if (input.counters) {
    const keys = new Set([...Object.keys(input.counters), ...sums.keys()]);
    for (const key of keys) {
      const stored = input.counters[key] ?? 0;
      const sum = sums.get(key) ?? 0;
      if (stored !== sum) {
        counterMismatches++;
        note('counter_mismatch', `key ${key}: store holds ${stored}, history sums to ${sum}`);
      }
    }
  }

  // what clients were told
  const outcomes = input.outcomes ?? [];
  let writesAcked = 0;
  let rejectedNoQuorum = 0;
  let rejectedFenced = 0;
  let rejectedOther = 0;
  let lostAckedWrites = 0;
  let ackMismatches = 0;
  for (const o of outcomes) {
    if (!o.ok) {
      if (o.code === 'no_quorum') rejectedNoQuorum++;
      else if (o.code === 'fenced') rejectedFenced++;
      else rejectedOther++;
      continue;
    }
    writesAcked++;
    const row = byRequest.get(o.requestId);
    if (!row) {
      lostAckedWrites++;
      note(
        'lost_acked_write',
        `request ${o.requestId} (key ${o.key}) was acknowledged but is not in the store`,
      );
      continue;
    }
    const differs =
      row.key !== o.key ||
      row.amount !== o.amount ||
      (o.value !== undefined && o.value !== row.value) ||
      (o.epoch !== undefined && o.epoch !== row.epoch);
    if (differs) {
      ackMismatches++;
      note(
        'ack_mismatch',
        `request ${o.requestId}: client was told ${JSON.stringify({ key: o.key, amount: o.amount, value: o.value, epoch: o.epoch })}, store has ${JSON.stringify({ key: row.key, amount: row.amount, value: row.value, epoch: row.epoch })}`,
      );
    }
  }

  const failed =
    splitBrainEpochs +
    epochRegressions +
    foreignEpochWrites +
    staleEpochWrites +
    doubleWrites +
    lostAckedWrites +
    ackMismatches +
    counterMismatches;
  return {
    verdict: failed === 0 ? 'pass' : 'fail',
    writesAttempted: outcomes.length,
    writesAcked,
    rejectedNoQuorum,
    rejectedFenced,
    rejectedOther,
    writesCommitted: history.length,
    doubleWrites,
    lostAckedWrites,
    epochRegressions,
    splitBrainEpochs,
    foreignEpochWrites,
    staleEpochWrites,
    ackMismatches,
    counterMismatches,
    maxUnavailableMs: maxUnavailable(outcomes, input.shardCount),
    shardsMoved: input.shardsMoved ?? 0,
    optimalShardsMoved: input.optimalShardsMoved ?? 0,
    violations,
  };
}

/**
 * Per shard, in the order results came back: an outage opens at the start of a failed attempt
 * and closes when an attempt succeeds; one still open at the end closes at the last result.
 */
export function maxUnavailable(outcomes: readonly Outcome[], shardCount?: number): number {
  const streams = new Map<number, Outcome[]>();
  for (const o of outcomes) {
    let shard = o.shard ?? -1;
    if (o.shard === undefined && shardCount !== undefined) {
      try {
        shard = shardOf(o.key, shardCount);
      } catch {
        shard = -1; // a malformed key was refused up front; it has no shard
      }
    }
    const list = streams.get(shard) ?? [];
    list.push(o);
    streams.set(shard, list);
  }
  let worst = 0;
  for (const list of streams.values()) {
    list.sort((a, b) => a.finishedAt - b.finishedAt);
    let openedAt: number | null = null;
    for (const o of list) {
      if (!o.ok) openedAt ??= o.startedAt;
      else if (openedAt !== null) {
        worst = Math.max(worst, o.finishedAt - openedAt);
        openedAt = null;
      }
    }
    const last = list[list.length - 1];
    if (openedAt !== null && last) worst = Math.max(worst, last.finishedAt - openedAt);
  }
  return worst;
}

/** Everything an external checker needs, as plain JSON. */
export interface HistoryExport {
  readonly format: 'cluster-observatory/ledger-history@1';
  readonly exportedAt: number;
  readonly store: string;
  readonly epochs: readonly ShardEpoch[];
  readonly epochLog: readonly EpochGrant[];
  readonly history: readonly HistoryRow[];
  readonly counters: Readonly<Record<string, number>>;
}

/** Reads the whole history out of a store, for checkHistory or for an external checker. */
export async function exportHistory(
  store: FencedStore,
  now: () => number = Date.now,
): Promise<HistoryExport> {
  const [epochs, epochLog, history, counters] = await Promise.all([
    store.epochs(),
    store.epochLog(),
    store.history(),
    store.counters(),
  ]);
  return {
    format: 'cluster-observatory/ledger-history@1',
    exportedAt: now(),
    store: store.kind,
    epochs,
    epochLog,
    history,
    counters,
  };
}

/** Reads the store and checks it against the clients' outcomes. */
export async function checkStore(
  store: FencedStore,
  outcomes: readonly Outcome[],
  extra: Omit<CheckInput, 'history' | 'outcomes' | 'counters' | 'epochLog'> = {},
): Promise<CheckReport> {
  const exported = await exportHistory(store);
  return checkHistory({
    ...extra,
    history: exported.history,
    counters: exported.counters,
    epochLog: exported.epochLog,
    outcomes,
  });
}
