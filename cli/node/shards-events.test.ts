import { describe, expect, it } from 'vitest';
import type { RecordableEvent } from '../../agents/index.ts';
import type {
  FenceRejection,
  LeaseInfo,
  OwnershipChange,
  Shards,
} from '../../cluster/shards/index.ts';
import { MAX_QUEUED_SHARD_EVENTS, reportShardEvents } from './shards-events.ts';

const SELF = 'a@h';

/** Just the hooks the reporter uses, driven by the test. */
function fakeShards() {
  let owners: (string | null)[] = [SELF, 'b@h', SELF];
  const lease = new Set<(i: LeaseInfo) => void>();
  const moves = new Set<(c: OwnershipChange) => void>();
  const fences = new Set<(r: FenceRejection) => void>();
  const on =
    <T>(set: Set<T>) =>
    (fn: T) => {
      set.add(fn);
      return () => set.delete(fn);
    };
  const shards = {
    router: {
      ownership: () => [...owners],
      onOwnershipChange: on(moves),
      onFenced: on(fences),
    },
    lease: {
      onChange: on(lease),
      info: (shard: number): LeaseInfo => ({
        shard,
        status: 'idle',
        epoch: null,
        validUntil: null,
      }),
    },
  } as unknown as Pick<Shards, 'router' | 'lease'>;
  return {
    shards,
    listeners: () => lease.size + moves.size + fences.size,
    lease: (shard: number, status: LeaseInfo['status'], epoch: number | null) => {
      for (const fn of lease) fn({ shard, status, epoch, validUntil: null });
    },
    move: (next: (string | null)[], moved: number[]) => {
      owners = next;
      for (const fn of moves) fn({ at: 7, members: [], moved, optimal: moved.length });
    },
    fence: (r: FenceRejection) => {
      for (const fn of fences) fn(r);
    },
  };
}

describe('cli/node/shards-events', () => {
  it('shards-events — leases, ownership gains and fencing become agent events, queued until attach', () => {
    const f = fakeShards();
    const reporter = reportShardEvents(f.shards, SELF, () => 1);
    f.lease(0, 'acquiring', null);
    f.lease(0, 'held', 4); // before the agent exists: queued
    const got: RecordableEvent[] = [];
    reporter.attach((e) => got.push(e) > 0);
    f.lease(0, 'acquiring', null); // still ours: expired and re-acquiring
    f.lease(0, 'held', 5);
    f.move([SELF, SELF, 'c@h'], [1, 2]); // gains 1, loses 2
    f.move([SELF, 'b@h', 'b@h'], [1, 2]); // loses 1; 2 moves between others: not reported
    f.lease(2, 'held', 9);
    f.lease(2, 'idle', null); // moved away: released
    f.fence({ at: 3, shard: 0, epoch: 5, currentEpoch: 6 });
    expect(got).toEqual([
      { type: 'lease', at: 1, action: 'acquired', shard: 0, epoch: 4 },
      { type: 'lease', at: 1, action: 'lost', shard: 0, epoch: 4, detail: 'reacquiring' },
      { type: 'lease', at: 1, action: 'acquired', shard: 0, epoch: 5 },
      { type: 'ownership', at: 7, shard: 1, from: 'b@h', to: SELF, epoch: 0 },
      { type: 'ownership', at: 7, shard: 2, from: SELF, to: 'c@h', epoch: 0 },
      { type: 'ownership', at: 7, shard: 1, from: SELF, to: 'b@h', epoch: 0 },
      { type: 'lease', at: 1, action: 'acquired', shard: 2, epoch: 9 },
      { type: 'lease', at: 1, action: 'released', shard: 2, epoch: 9 },
      expect.objectContaining({ type: 'fencing', shard: 0, epoch: 5, currentEpoch: 6 }),
    ]);
  });

  it('shards-events — on shutdown releases are deliberate, a detached agent is harmless, close unhooks', () => {
    const f = fakeShards();
    const reporter = reportShardEvents(f.shards, SELF, () => 1);
    const got: RecordableEvent[] = [];
    let detached = false;
    reporter.attach((e) => {
      if (detached) throw new Error('detached');
      return got.push(e) > 0;
    });
    f.lease(0, 'held', 1);
    f.lease(2, 'held', 2);
    reporter.stopping();
    f.lease(0, 'idle', null);
    detached = true;
    expect(() => f.lease(2, 'idle', null)).not.toThrow();
    expect(got.map((e) => (e.type === 'lease' ? e.action : e.type))).toEqual([
      'acquired',
      'acquired',
      'released',
    ]);
    reporter.close();
    expect(f.listeners()).toBe(0);
  });

  it('shards-events — the queue before attach is bounded, oldest dropped', () => {
    const f = fakeShards();
    const reporter = reportShardEvents(f.shards, SELF, () => 1);
    for (let i = 0; i < MAX_QUEUED_SHARD_EVENTS + 5; i++)
      f.fence({ at: i, shard: 0, epoch: 1, currentEpoch: 2 });
    const got: RecordableEvent[] = [];
    reporter.attach((e) => got.push(e) > 0);
    expect(got).toHaveLength(MAX_QUEUED_SHARD_EVENTS);
    expect(got[0]!.at).toBe(5);
  });
});
