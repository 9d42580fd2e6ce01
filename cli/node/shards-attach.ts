/**
 * Starts the shards service (leases, router, ledger), the lab handlers (with `--lab`) and an
 * optional local workload on a running `observatory node`.
 */
import type { ClusterNode, Logger } from '../../cluster/api.ts';
import type { SteppableClock } from '../../cluster/clock.ts';
import {
  FencedError,
  openStore,
  startShards,
  type FencedStore,
  type Shards,
  type ShardsOptions,
} from '../../cluster/shards/index.ts';
import { leaseTimings, type ShardCliOptions } from './shards.ts';
import { reportShardEvents, type ShardEventReporter } from './shards-events.ts';
import { attachLab, type Lab } from './shards-lab.ts';

/**
 * Test-only: a writer that meets the fence adopts the store's current epoch and writes anyway,
 * which is exactly what a store without fencing would let a stale owner do. The drills' checker
 * must then fail (two writers in one epoch).
 */
function withoutFence(store: FencedStore): FencedStore {
  return {
    ...store,
    commitWrite: async (w) => {
      try {
        return await store.commitWrite(w);
      } catch (err) {
        if (!(err instanceof FencedError)) throw err;
        return store.commitWrite({ ...w, epoch: err.currentEpoch });
      }
    },
  };
}

export interface AttachedShards {
  readonly shards: Shards;
  readonly lab: Lab | null;
  /** lease, ownership and fencing events for the observatory agent (`events.attach(record)`) */
  readonly events: ShardEventReporter;
  /** shard rows for the observatory agent */
  agentRows(): {
    shard: number;
    owner: string | null;
    epoch: number;
    role: 'owner' | 'acquiring' | 'handing_off' | 'observer';
  }[];
  stop(): Promise<void>;
}

/** Starts shards (and the lab handlers, and a local workload) on a running node. */
export function attachShards(
  node: ClusterNode,
  options: ShardCliOptions,
  logger?: Logger,
  /** the node's own clock when the lab may step it (lab.clock.step) */
  clock?: SteppableClock,
): AttachedShards {
  const opened = openStore(
    options.store,
    options.unsafeNoStoreFence ? { unsafeNoFence: true } : undefined,
  );
  const store = options.unsafeNoFence ? withoutFence(opened) : opened;
  const timings = options.leaseMs === undefined ? {} : leaseTimings(options.leaseMs);
  const shardOptions: ShardsOptions = {
    members: options.members,
    store,
    ...timings,
    ...(options.shardCount === undefined ? {} : { shardCount: options.shardCount }),
    ...(options.trustFenceOnly ? { trustStoreFenceOnly: true } : {}),
    ...(options.unsafeNoLease ? { unsafeNoLease: true } : {}),
    ...(logger === undefined ? {} : { logger }),
    ...(clock === undefined ? {} : { clock }),
  };
  const shards = startShards(node, shardOptions);
  const events = reportShardEvents(shards, node.name);
  const lab = attachLab(node, shards, {
    handlers: options.lab,
    ...(clock === undefined ? {} : { clock }),
    ...(options.outcomeLog === undefined ? {} : { outcomeLog: options.outcomeLog }),
  });
  if (options.workloadRate !== undefined) {
    lab.startWorkload({
      rate: options.workloadRate,
      keys: options.workloadKeys ?? 1000,
      distribution: options.workloadDistribution ?? 'uniform',
    });
  }
  return {
    shards,
    lab: options.lab ? lab : null,
    agentRows: () =>
      shards.status().map((s) => ({
        shard: s.shard,
        owner: s.owner,
        epoch: s.lease.epoch ?? 0,
        role:
          s.lease.status === 'held'
            ? s.owner === node.name
              ? 'owner'
              : 'handing_off'
            : s.lease.status === 'acquiring'
              ? 'acquiring'
              : 'observer',
      })),
    events,
    stop: async () => {
      events.stopping();
      await lab.stop();
      await shards.stop();
      events.close();
      await opened.close();
    },
  };
}
