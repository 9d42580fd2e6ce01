import type { Clock, Logger, MembershipEvent, NodeName, Payload } from '../api.ts';
import { systemClock, silentLogger } from '../clock.ts';
import {
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_FORWARD_TIMEOUT_MS,
  DEFAULT_HANDOFF_WAIT_MS,
  DEFAULT_MAX_BUFFERED,
  DEFAULT_SHARD_COUNT,
} from './constants.ts';
import {
  BadArgumentError,
  FencedError,
  ForwardFailedError,
  fromWireError,
  HandoffTimeoutError,
  NoQuorumError,
  OverloadedError,
  ShardError,
  toWireError,
  UnknownOpError,
  WrongOwnerError,
  type WireError,
} from './errors.ts';
import { shardOf } from './hash.ts';
import type { LeaseManager } from './lease.ts';
import type { ShardNode } from './port.ts';
import { movedShards, optimalMoves, ShardMap } from './rendezvous.ts';

/** RPC handler name of forwarded requests. */
export const OP_HANDLER = 'shard.op';

export interface OpContext {
  readonly shard: number;
  readonly key: string;
  /** this node */
  readonly node: NodeName;
  /** the fencing token for writes; for reads, null when served without a lease */
  readonly epoch: number | null;
  /** a read served without a valid lease: the value may be out of date */
  readonly stale: boolean;
}

/** A named operation on a key. Writes run only under a lease; reads may run stale. */
export interface OpDefinition {
  readonly kind: 'read' | 'write';
  run(ctx: OpContext, args: Payload): Payload | Promise<Payload>;
}

export interface RouterOptions {
  /** configured members, as for the lease manager */
  readonly members: readonly NodeName[];
  readonly lease: LeaseManager;
  /** default DEFAULT_SHARD_COUNT; the same on every node */
  readonly shardCount?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** default DEFAULT_HANDOFF_WAIT_MS */
  readonly handoffWaitMs?: number;
  /** default DEFAULT_MAX_BUFFERED */
  readonly maxBuffered?: number;
  /** default DEFAULT_DRAIN_TIMEOUT_MS */
  readonly drainTimeoutMs?: number;
  /** default DEFAULT_FORWARD_TIMEOUT_MS */
  readonly forwardTimeoutMs?: number;
  /**
   * Drills only: writes skip the holder-side lease check and use the last epoch this node held,
   * leaving safety to the store's fence alone (the pause drill shows that it suffices). Default
   * false.
   */
  readonly trustStoreFenceOnly?: boolean;
  /**
   * Negative control only (with LeaseOptions.unsafeNoLease): this node never answers no_quorum,
   * it acts as owner of whatever its own view of membership gives it. Default false.
   */
  readonly unsafeNoLease?: boolean;
}

export interface OwnershipChange {
  readonly at: number;
  readonly members: readonly NodeName[];
  readonly moved: readonly number[];
  /** the fewest shards any assignment had to move for this membership change */
  readonly optimal: number;
}

/** A write of this node that the store refused because its fencing token was stale. */
export interface FenceRejection {
  readonly at: number;
  readonly shard: number;
  /** the token the write carried */
  readonly epoch: number;
  /** the shard's epoch in the store */
  readonly currentEpoch: number;
}

type Envelope = { ok: true; value: Payload } | { ok: false; error: WireError };

/**
 * Routes `call(key, op, args)` to the shard's owner in at most one forward: a node that does
 * not own the shard answers wrong_owner with the owner it believes in, instead of forwarding
 * again. Ownership follows membership events; a shard that moves away is drained (new writes
 * answered wrong_owner, in-flight ones finished) and released; a shard that arrives is acquired,
 * with its requests waiting in a bounded buffer meanwhile.
 */
export class ShardRouter {
  readonly shardCount: number;
  private readonly map: ShardMap;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly ops = new Map<string, OpDefinition>();
  private owners: (NodeName | null)[];
  private members: NodeName[] = [];
  private readonly inFlight = new Map<number, number>();
  private readonly drained = new Map<number, (() => void)[]>();
  private readonly draining = new Set<number>();
  private readonly lastEpoch = new Map<number, number>();
  private readonly moveListeners = new Set<(c: OwnershipChange) => void>();
  private readonly fenceListeners = new Set<(r: FenceRejection) => void>();
  private buffered = 0;
  private unmonitor: (() => void) | null = null;
  private readonly counters = {
    served: 0,
    forwarded: 0,
    wrongOwner: 0,
    noQuorum: 0,
    fenced: 0,
    buffered: 0,
    handoffTimeouts: 0,
  };

  constructor(
    private readonly node: ShardNode,
    private readonly options: RouterOptions,
  ) {
    this.shardCount = options.shardCount ?? DEFAULT_SHARD_COUNT;
    if (!Number.isSafeInteger(this.shardCount) || this.shardCount < 1) {
      throw new BadArgumentError('shardCount must be a positive integer');
    }
    this.map = new ShardMap(this.shardCount, options.members);
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? silentLogger;
    this.owners = new Array<NodeName | null>(this.shardCount).fill(null);
    node.handle(OP_HANDLER, (args) => this.serveForwarded(args));
    options.lease.onChange((info) => {
      if (info.epoch !== null) this.lastEpoch.set(info.shard, info.epoch);
    });
  }

  /** Adds an operation; every node must define the same ones. */
  define(op: string, def: OpDefinition): void {
    this.ops.set(op, def);
  }

  /** Starts following membership and takes the leases of the shards this node owns. */
  start(): void {
    this.unmonitor = this.node.monitorNodes((e: MembershipEvent) => {
      if (!e.hidden) this.recompute();
    });
    this.recompute();
    this.options.lease.start();
  }

  /** Stops following membership; leases are released by the lease manager's stop(). */
  stop(): void {
    this.unmonitor?.();
    this.unmonitor = null;
  }

  shardOf(key: string): number {
    return shardOf(key, this.shardCount);
  }

  /** The owner of every shard as this node sees it. */
  ownership(): (NodeName | null)[] {
    return [...this.owners];
  }

  ownerOf(key: string): NodeName | null {
    return this.owners[this.shardOf(key)] ?? null;
  }

  /** Called after each recomputation that moved shards (for drills and the dashboard). */
  onOwnershipChange(listener: (c: OwnershipChange) => void): () => void {
    this.moveListeners.add(listener);
    return () => this.moveListeners.delete(listener);
  }

  /** Called each time the store refuses a write of this node as fenced (for the dashboard). */
  onFenced(listener: (r: FenceRejection) => void): () => void {
    this.fenceListeners.add(listener);
    return () => this.fenceListeners.delete(listener);
  }

  stats(): Record<string, number> {
    return { ...this.counters, bufferedNow: this.buffered };
  }

  /**
   * Runs `op` on `key` at the key's owner: here, or on the owner in one forward. Errors are
   * ShardErrors with stable codes (wrong_owner, no_quorum, fenced, handoff_timeout, …).
   */
  async call(key: string, op: string, args: Payload = null): Promise<Payload> {
    const shard = this.shardOf(key);
    if (!this.ops.has(op)) throw new UnknownOpError(op);
    const owner = this.owners[shard] ?? null;
    if (owner === null) throw new NoQuorumError(shard, this.node.name);
    if (owner === this.node.name) return this.serve(shard, key, op, args);
    this.counters.forwarded++;
    let reply: Payload;
    try {
      reply = await this.node.call(
        owner,
        OP_HANDLER,
        { key, op, args },
        { timeoutMs: this.options.forwardTimeoutMs ?? DEFAULT_FORWARD_TIMEOUT_MS },
      );
    } catch (err) {
      throw new ForwardFailedError(owner, err);
    }
    const env = reply as unknown as Envelope;
    if (env.ok) return env.value;
    throw fromWireError(env.error);
  }

  private async serveForwarded(args: Payload): Promise<Payload> {
    try {
      if (
        typeof args !== 'object' ||
        args === null ||
        Array.isArray(args) ||
        args instanceof Uint8Array
      ) {
        throw new BadArgumentError('forwarded request must be an object');
      }
      const { key, op, args: opArgs } = args as { key?: unknown; op?: unknown; args?: Payload };
      if (typeof op !== 'string') throw new BadArgumentError('op must be a string');
      const shard = shardOf(key as string, this.shardCount);
      if (!this.ops.has(op)) throw new UnknownOpError(op);
      const owner = this.owners[shard] ?? null;
      // never forward a forwarded request: the caller retries with the owner we name
      if (owner !== this.node.name) throw this.wrongOwner(shard);
      const value = await this.serve(shard, key as string, op, opArgs ?? null);
      return { ok: true, value };
    } catch (err) {
      if (!(err instanceof ShardError)) this.log.error('shard op failed', { err: String(err) });
      return { ok: false, error: { ...toWireError(err) } };
    }
  }

  private wrongOwner(shard: number): WrongOwnerError {
    this.counters.wrongOwner++;
    return new WrongOwnerError(shard, this.owners[shard] ?? null, this.node.name);
  }

  private async serve(shard: number, key: string, op: string, args: Payload): Promise<Payload> {
    const def = this.ops.get(op);
    if (!def) throw new UnknownOpError(op);
    const lease = this.options.lease;
    if (def.kind === 'read') {
      const epoch = lease.tokenFor(shard);
      return def.run({ shard, key, node: this.node.name, epoch, stale: epoch === null }, args);
    }
    if (this.draining.has(shard)) throw this.wrongOwner(shard);
    let epoch = lease.tokenFor(shard);
    if (epoch === null && this.options.trustStoreFenceOnly)
      epoch = this.lastEpoch.get(shard) ?? null;
    if (epoch === null) epoch = await this.waitForLease(shard);
    if (this.draining.has(shard) || this.owners[shard] !== this.node.name)
      throw this.wrongOwner(shard);
    this.inFlight.set(shard, (this.inFlight.get(shard) ?? 0) + 1);
    try {
      const value = await def.run({ shard, key, node: this.node.name, epoch, stale: false }, args);
      this.counters.served++;
      return value;
    } catch (err) {
      if (err instanceof FencedError) {
        this.counters.fenced++;
        lease.fenced(shard, err.currentEpoch);
        const rejection = { at: this.clock.now(), shard, epoch, currentEpoch: err.currentEpoch };
        for (const fn of [...this.fenceListeners]) fn(rejection);
      }
      throw err;
    } finally {
      const left = (this.inFlight.get(shard) ?? 1) - 1;
      this.inFlight.set(shard, left);
      if (left === 0) for (const fn of this.drained.get(shard)?.splice(0) ?? []) fn();
    }
  }

  /** The handoff buffer: wait for the lease unless quorum is visibly lost or the buffer is full. */
  private async waitForLease(shard: number): Promise<number> {
    const lease = this.options.lease;
    if (!this.quorumVisible()) {
      this.counters.noQuorum++;
      throw new NoQuorumError(shard, this.node.name);
    }
    const limit = this.options.maxBuffered ?? DEFAULT_MAX_BUFFERED;
    if (this.buffered >= limit) throw new OverloadedError(limit);
    this.buffered++;
    this.counters.buffered++;
    try {
      return await lease.whenHeld(shard, this.options.handoffWaitMs ?? DEFAULT_HANDOFF_WAIT_MS);
    } catch (err) {
      if (err instanceof HandoffTimeoutError) {
        if (!this.quorumVisible()) {
          this.counters.noQuorum++;
          throw new NoQuorumError(shard, this.node.name);
        }
        this.counters.handoffTimeouts++;
      }
      throw err;
    } finally {
      this.buffered--;
    }
  }

  /** a majority of the configured members is visible and answered the last lease round */
  private quorumVisible(): boolean {
    if (this.options.unsafeNoLease) return true;
    const lease = this.options.lease;
    const visible = new Set([this.node.name, ...this.node.nodes()]);
    const seen = this.options.members.filter((m) => visible.has(m)).length;
    return seen >= lease.majority && lease.reachable() >= lease.majority;
  }

  private recompute(): void {
    // only configured members may own: a visible node outside them (a plain node, a tool that
    // joined unhidden) serves no shard and holds no lease, so it must never win one
    const configured = new Set(this.options.members);
    const visible = (
      this.node.hidden ? this.node.nodes() : [this.node.name, ...this.node.nodes()]
    ).filter((n) => configured.has(n));
    const before = this.owners;
    const beforeMembers = this.members;
    const after = this.map.assign(visible);
    this.owners = after;
    this.members = visible;
    const moved = movedShards(before, after);
    const mine: number[] = [];
    for (let s = 0; s < this.shardCount; s++) {
      if (after[s] === this.node.name) {
        mine.push(s);
        this.draining.delete(s);
      } else if (before[s] === this.node.name || this.options.lease.info(s).status === 'held') {
        void this.handOff(s);
      }
    }
    this.options.lease.want(mine);
    if (moved.length > 0 && beforeMembers.length > 0) {
      const change = {
        at: this.clock.now(),
        members: visible,
        moved,
        optimal: optimalMoves(before, beforeMembers, visible),
      };
      for (const fn of [...this.moveListeners]) fn(change);
    }
  }

  /** Old owner's side of a handoff: refuse new writes, let in-flight ones finish, release. */
  private async handOff(shard: number): Promise<void> {
    if (this.draining.has(shard)) return;
    this.draining.add(shard);
    if ((this.inFlight.get(shard) ?? 0) > 0) {
      await new Promise<void>((resolve) => {
        const timer = this.clock.setTimeout(
          resolve,
          this.options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS,
        );
        const list = this.drained.get(shard) ?? [];
        list.push(() => {
          this.clock.clearTimeout(timer);
          resolve();
        });
        this.drained.set(shard, list);
      });
    }
    // ownership may have come back while draining: then keep the lease
    if (!this.draining.has(shard)) return;
    this.draining.delete(shard);
    if (this.owners[shard] !== this.node.name) await this.options.lease.release(shard);
  }
}
