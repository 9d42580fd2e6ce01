/**
 * Turns the shards service's hooks (lease changes, ownership moves, fencing rejections) into the
 * agent's lease / ownership / fencing events. It listens from the moment shards start and keeps
 * what happens before the agent is attached in a bounded queue, so the first acquisitions are
 * not lost to start-up order.
 */
import type { RecordableEvent } from '../../agents/index.ts';
import type { LeaseInfo, Shards } from '../../cluster/shards/index.ts';

/** events kept while no agent is attached; older ones are dropped first */
export const MAX_QUEUED_SHARD_EVENTS = 1_024;

export type RecordShardEvent = (event: RecordableEvent) => boolean;

export interface ShardEventReporter {
  /** sends queued events to `record`, then every new one as it happens */
  attach(record: RecordShardEvent): void;
  /** marks the coming lease releases as deliberate (shutdown), not lost */
  stopping(): void;
  /** unhooks from the shards service */
  close(): void;
}

/**
 * Lease renewals are not reported: the lease manager renews every shard about once a second, and
 * an event each time would drown the timeline; the epoch in the shard map shows a live lease.
 * Ownership moves are reported as this node sees them, when they involve it (it gains or loses
 * the shard) or leave the shard without an owner: views differ while membership settles (each
 * node first owns every shard alone), so "only the gainer reports" would miss moves.
 */
export function reportShardEvents(
  shards: Pick<Shards, 'router' | 'lease'>,
  self: string,
  now: () => number = Date.now,
): ShardEventReporter {
  let record: RecordShardEvent | undefined;
  let queue: RecordableEvent[] = [];
  let shuttingDown = false;
  const emit = (event: RecordableEvent) => {
    if (record !== undefined) {
      try {
        record(event);
      } catch {
        // The agent detaches before shards stop on shutdown; its last releases have nowhere to go.
      }
      return;
    }
    queue.push(event);
    if (queue.length > MAX_QUEUED_SHARD_EVENTS) queue.shift();
  };

  const held = new Map<number, number>();
  const onLease = (info: LeaseInfo) => {
    const heldEpoch = held.get(info.shard);
    if (info.status === 'held' && info.epoch !== null) {
      if (heldEpoch === info.epoch) return;
      held.set(info.shard, info.epoch);
      emit({ type: 'lease', at: now(), action: 'acquired', shard: info.shard, epoch: info.epoch });
      return;
    }
    if (heldEpoch === undefined) return;
    held.delete(info.shard);
    // Given up on purpose when the shard moved away or the node stops; otherwise it expired or
    // was fenced while this node still owns the shard.
    const owner = shards.router.ownership()[info.shard] ?? null;
    const deliberate = shuttingDown || owner !== self;
    emit({
      type: 'lease',
      at: now(),
      action: deliberate ? 'released' : 'lost',
      shard: info.shard,
      epoch: heldEpoch,
      ...(!deliberate && { detail: info.status === 'acquiring' ? 'reacquiring' : 'expired' }),
    });
  };

  let owners = shards.router.ownership();
  const offLease = shards.lease.onChange(onLease);
  const offMoves = shards.router.onOwnershipChange((change) => {
    const after = shards.router.ownership();
    for (const shard of change.moved) {
      const from = owners[shard] ?? null;
      const to = after[shard] ?? null;
      if (from !== self && to !== self && to !== null) continue;
      emit({
        type: 'ownership',
        at: change.at,
        shard,
        from,
        to,
        epoch: held.get(shard) ?? shards.lease.info(shard).epoch ?? 0,
      });
    }
    owners = after;
  });
  const offFenced = shards.router.onFenced((r) => {
    emit({
      type: 'fencing',
      at: r.at,
      shard: r.shard,
      epoch: r.epoch,
      currentEpoch: r.currentEpoch,
      detail: 'write refused by the store: stale fencing token',
    });
  });

  return {
    attach(r) {
      record = r;
      const pending = queue;
      queue = [];
      for (const e of pending) r(e);
    },
    stopping() {
      shuttingDown = true;
    },
    close() {
      offLease();
      offMoves();
      offFenced();
    },
  };
}
