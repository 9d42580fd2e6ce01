/**
 * Sharding with fenced single-writer ownership: key → shard (hash.ts), shard → owner
 * (rendezvous.ts), majority leases whose epochs are fencing tokens (lease.ts), a router with
 * one-forward routing and handoff (router.ts), the fenced store (store/), the ledger demo service
 * (ledger.ts), a workload generator (workload.ts) and the split-brain checker (checker.ts).
 * `startShards(node, options)` wires them on one node. See docs/shards.md.
 */
import type { Clock, Logger, NodeName } from '../api.ts';
import { NotFullyConnectedError } from '../errors.ts';
import { LeaseManager, type LeaseInfo } from './lease.ts';
import { Ledger } from './ledger.ts';
import { Registers } from './registers.ts';
import type { ShardNode } from './port.ts';
import { ShardRouter } from './router.ts';
import { openStore } from './store/index.ts';
import type { FencedStore, StoreOptions } from './store/types.ts';

export * from './constants.ts';
export * from './errors.ts';
export { fnv1a32, shardOf, validateKey } from './hash.ts';
export {
  ShardMap,
  ownerOf,
  assignShards,
  movedShards,
  optimalMoves,
  preferredOwners,
  weight,
} from './rendezvous.ts';
export {
  LeaseManager,
  LEASE_HANDLER,
  type LeaseOptions,
  type LeaseInfo,
  type LeaseStatus,
} from './lease.ts';
export type { Grant } from './lease-grantor.ts';
export {
  ShardRouter,
  OP_HANDLER,
  type RouterOptions,
  type OpDefinition,
  type OpContext,
  type OwnershipChange,
  type FenceRejection,
} from './router.ts';
export { Ledger, LEDGER_INCR, LEDGER_GET, type IncrResult, type GetResult } from './ledger.ts';
export { Registers, REGISTER_READ, REGISTER_WRITE, REGISTER_CAS } from './registers.ts';
export {
  runWorkload,
  keyPicker,
  seededRandom,
  type WorkloadOptions,
  type WorkloadResult,
  type IncrFn,
} from './workload.ts';
export {
  checkHistory,
  checkStore,
  exportHistory,
  maxUnavailable,
  type CheckInput,
  type CheckReport,
  type HistoryExport,
  type Outcome,
  type Violation,
  type ViolationKind,
} from './checker.ts';
export { openStore, openSqliteStore, openPostgresStore } from './store/index.ts';
export type * from './store/types.ts';
export type { ShardNode } from './port.ts';

export interface ShardsOptions {
  /** the configured members (full names, this node included) */
  readonly members: readonly NodeName[];
  /** an open store, or a URL for openStore (then closed by stop()) */
  readonly store: FencedStore | string;
  readonly storeOptions?: StoreOptions;
  /** default DEFAULT_SHARD_COUNT */
  readonly shardCount?: number;
  readonly leaseMs?: number;
  readonly driftMarginMs?: number;
  readonly renewIntervalMs?: number;
  readonly acquireRetryMs?: number;
  readonly leaseRpcTimeoutMs?: number;
  readonly grantorQuarantineMs?: number;
  readonly handoffWaitMs?: number;
  readonly maxBuffered?: number;
  readonly drainTimeoutMs?: number;
  readonly forwardTimeoutMs?: number;
  /** drills only; see RouterOptions.trustStoreFenceOnly */
  readonly trustStoreFenceOnly?: boolean;
  /** negative control only; see LeaseOptions.unsafeNoLease */
  readonly unsafeNoLease?: boolean;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/** One shard as this node sees it, for the agent and the dashboard. */
export interface ShardStatus {
  readonly shard: number;
  /** the owner by this node's view of membership */
  readonly owner: NodeName | null;
  readonly lease: LeaseInfo;
}

export interface Shards {
  readonly router: ShardRouter;
  readonly lease: LeaseManager;
  readonly ledger: Ledger;
  /** linearizable registers with lease reads (the drills' register workload) */
  readonly registers: Registers;
  readonly store: FencedStore;
  status(): ShardStatus[];
  /** stops routing, releases every lease, closes the store if startShards opened it */
  stop(): Promise<void>;
}

/**
 * Starts sharding on `node`: registers the lease and op handlers and begins taking leases.
 * Throws NotFullyConnectedError on a node that does not join the full mesh (`connectAll:
 * false`): each member computes owners from the members it is linked to, so members that are
 * not all linked to each other would disagree on owners for as long as that lasts.
 */
export function startShards(node: ShardNode, options: ShardsOptions): Shards {
  if (node.connectAll === false)
    throw new NotFullyConnectedError(
      `shards need every member linked to every other: ${node.name} does not join the full mesh ` +
        '(connectAll: false); start it with connectAll true (observatory node --connect-all true)',
    );
  const ownStore = typeof options.store === 'string';
  const store =
    typeof options.store === 'string'
      ? openStore(options.store, options.storeOptions)
      : options.store;
  const common = {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  };
  const lease = new LeaseManager(node, {
    members: options.members,
    store,
    ...common,
    ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
    ...(options.driftMarginMs !== undefined ? { driftMarginMs: options.driftMarginMs } : {}),
    ...(options.renewIntervalMs !== undefined ? { renewIntervalMs: options.renewIntervalMs } : {}),
    ...(options.acquireRetryMs !== undefined ? { acquireRetryMs: options.acquireRetryMs } : {}),
    ...(options.leaseRpcTimeoutMs !== undefined ? { rpcTimeoutMs: options.leaseRpcTimeoutMs } : {}),
    ...(options.grantorQuarantineMs !== undefined
      ? { grantorQuarantineMs: options.grantorQuarantineMs }
      : {}),
    ...(options.unsafeNoLease ? { unsafeNoLease: true } : {}),
  });
  const router = new ShardRouter(node, {
    members: options.members,
    lease,
    ...common,
    ...(options.shardCount !== undefined ? { shardCount: options.shardCount } : {}),
    ...(options.handoffWaitMs !== undefined ? { handoffWaitMs: options.handoffWaitMs } : {}),
    ...(options.maxBuffered !== undefined ? { maxBuffered: options.maxBuffered } : {}),
    ...(options.drainTimeoutMs !== undefined ? { drainTimeoutMs: options.drainTimeoutMs } : {}),
    ...(options.forwardTimeoutMs !== undefined
      ? { forwardTimeoutMs: options.forwardTimeoutMs }
      : {}),
    ...(options.trustStoreFenceOnly !== undefined
      ? { trustStoreFenceOnly: options.trustStoreFenceOnly }
      : {}),
    ...(options.unsafeNoLease ? { unsafeNoLease: true } : {}),
  });
  const ledger = new Ledger(router, store);
  const registers = new Registers(router, store);
  router.start();
  return {
    router,
    lease,
    ledger,
    registers,
    store,
    status: () => {
      const owners = router.ownership();
      return owners.map((owner, shard) => ({ shard, owner, lease: lease.info(shard) }));
    },
    stop: async () => {
      router.stop();
      await lease.stop();
      if (ownStore) await store.close();
    },
  };
}
