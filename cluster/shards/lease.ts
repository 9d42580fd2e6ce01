/**
 * Majority leases, the holder's side (`LeaseManager`); the grantor's side is lease-grantor.ts.
 * About 400 lines on purpose: the rounds, their timers, release and fencing all read and bump
 * one table of shard leases, whose generation rule only holds if they stay together.
 */
import type { Clock, Logger, NodeName, Payload } from '../api.ts';
import { systemClock, silentLogger } from '../clock.ts';
import {
  DEFAULT_ACQUIRE_RETRY_MS,
  DEFAULT_DRIFT_MARGIN_MS,
  DEFAULT_LEASE_MS,
  DEFAULT_LEASE_RPC_TIMEOUT_MS,
  DEFAULT_RENEW_INTERVAL_MS,
} from './constants.ts';
import { BadArgumentError, HandoffTimeoutError } from './errors.ts';
import {
  LeaseGrantor,
  parseLeaseRequest,
  type Grant,
  type GrantReply,
  type GrantRequest,
} from './lease-grantor.ts';
import type { ShardNode } from './port.ts';
import type { FencedStore } from './store/types.ts';

/** RPC handler name every member registers. */
export const LEASE_HANDLER = 'shard.lease';

export interface LeaseOptions {
  /** the configured members (full names, this node included); a majority of them grants leases */
  readonly members: readonly NodeName[];
  readonly store: FencedStore;
  /** default systemClock */
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** default DEFAULT_LEASE_MS; must be the same on every member */
  readonly leaseMs?: number;
  /** default DEFAULT_DRIFT_MARGIN_MS */
  readonly driftMarginMs?: number;
  /** default DEFAULT_RENEW_INTERVAL_MS; well under leaseMs - driftMarginMs */
  readonly renewIntervalMs?: number;
  /** default DEFAULT_ACQUIRE_RETRY_MS */
  readonly acquireRetryMs?: number;
  /** default DEFAULT_LEASE_RPC_TIMEOUT_MS */
  readonly rpcTimeoutMs?: number;
  /** how long a freshly started member refuses all grants; default leaseMs + driftMarginMs */
  readonly grantorQuarantineMs?: number;
  /**
   * Negative control only (`observatory drill split-brain --unsafe no-lease`): this node takes
   * every shard it wants without asking anyone, as if it had a majority, and keeps it until fenced
   * or released. Breaks single ownership on purpose. Default false.
   */
  readonly unsafeNoLease?: boolean;
}

export type LeaseStatus = 'idle' | 'acquiring' | 'held';

export interface LeaseInfo {
  readonly shard: number;
  readonly status: LeaseStatus;
  /** the fencing token while held */
  readonly epoch: number | null;
  /** local monotonic time (`Clock.monotonic`) after which the lease may no longer be used */
  readonly validUntil: number | null;
}

interface ShardLease {
  status: LeaseStatus;
  epoch: number | null;
  validUntil: number;
  /** bumped on every release/fence so that a round in flight does not resurrect the lease */
  gen: number;
}

/**
 * The holder side of majority leases. Every round (renewIntervalMs, or acquireRetryMs while a
 * wanted shard is missing) it asks every reachable configured member, in one RPC each, to grant
 * all shards it holds or wants. A shard granted by a majority is held until
 * `roundStart + leaseMs - driftMarginMs`: roundStart precedes every grantor's own start of the
 * grant, and the margin covers clock-rate drift, so the holder stops using a lease before any
 * grantor could grant it to someone else (docs/shards.md). A newly held shard gets its epoch from
 * store.bumpEpoch: that epoch is the fencing token every write carries.
 */
export class LeaseManager {
  readonly majority: number;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly leaseMs: number;
  private readonly marginMs: number;
  private readonly renewMs: number;
  private readonly retryMs: number;
  private readonly rpcTimeoutMs: number;
  private readonly members: NodeName[];
  private readonly grantor: LeaseGrantor;
  private readonly leases = new Map<number, ShardLease>();
  private readonly wanted = new Set<number>();
  private readonly listeners = new Set<(info: LeaseInfo) => void>();
  private timer: unknown = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private lastReachable: number;

  constructor(
    private readonly node: ShardNode,
    private readonly options: LeaseOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? silentLogger;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.marginMs = options.driftMarginMs ?? DEFAULT_DRIFT_MARGIN_MS;
    this.renewMs = options.renewIntervalMs ?? DEFAULT_RENEW_INTERVAL_MS;
    this.retryMs = options.acquireRetryMs ?? DEFAULT_ACQUIRE_RETRY_MS;
    this.rpcTimeoutMs = options.rpcTimeoutMs ?? DEFAULT_LEASE_RPC_TIMEOUT_MS;
    if (!(this.marginMs >= 0 && this.leaseMs > this.marginMs + this.renewMs)) {
      throw new BadArgumentError('leaseMs must exceed driftMarginMs + renewIntervalMs');
    }
    this.members = [...new Set(options.members)];
    if (!this.members.includes(node.name)) {
      throw new BadArgumentError(`members must include this node (${node.name})`);
    }
    this.majority = Math.floor(this.members.length / 2) + 1;
    this.lastReachable = this.members.length; // optimistic until the first round says otherwise
    this.grantor = new LeaseGrantor(
      this.clock,
      this.leaseMs,
      options.grantorQuarantineMs ?? this.leaseMs + this.marginMs,
    );
    node.handle(LEASE_HANDLER, (args, ctx) => this.serve(args, ctx.from));
  }

  private serve(args: Payload, from: NodeName): Payload {
    const req = parseLeaseRequest(args);
    if (req.op === 'release') return { released: this.grantor.release(from, req.shards) };
    return { ...this.grantor.grant(from, req) };
  }

  /** Starts the renew/acquire rounds. */
  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Sets the shards this node should own; missing ones are acquired. Held ones stay until release(). */
  want(shards: Iterable<number>): void {
    this.wanted.clear();
    for (const s of shards) this.wanted.add(s);
    for (const s of this.wanted) {
      const l = this.lease(s);
      if (l.status === 'idle') this.set(s, l, 'acquiring', null, 0);
    }
    for (const [s, l] of this.leases) {
      if (l.status === 'acquiring' && !this.wanted.has(s)) this.set(s, l, 'idle', null, 0);
    }
    this.kick();
  }

  /** The fencing token if this node holds a valid lease on `shard` now, else null. */
  tokenFor(shard: number): number | null {
    const l = this.leases.get(shard);
    if (!l || l.status !== 'held' || this.clock.monotonic() >= l.validUntil) return null;
    return l.epoch;
  }

  info(shard: number): LeaseInfo {
    const l = this.leases.get(shard);
    if (!l) return { shard, status: 'idle', epoch: null, validUntil: null };
    const held = l.status === 'held';
    return {
      shard,
      status: l.status,
      epoch: held ? l.epoch : null,
      validUntil: held ? l.validUntil : null,
    };
  }

  snapshot(): LeaseInfo[] {
    return [...this.leases.keys()].sort((a, b) => a - b).map((s) => this.info(s));
  }

  /** how many members (this one included) answered the last lease round */
  reachable(): number {
    return this.lastReachable;
  }

  /** unexpired grants this member has made, for the dashboard */
  grants(): Grant[] {
    return this.grantor.list();
  }

  onChange(listener: (info: LeaseInfo) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the epoch once `shard` is held; rejects with HandoffTimeoutError after `ms`. */
  whenHeld(shard: number, ms: number): Promise<number> {
    const now = this.tokenFor(shard);
    if (now !== null) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        off();
        reject(new HandoffTimeoutError(shard, ms));
      }, ms);
      const off = this.onChange((info) => {
        if (info.shard !== shard || info.status !== 'held' || info.epoch === null) return;
        this.clock.clearTimeout(timer);
        off();
        resolve(info.epoch);
      });
    });
  }

  /**
   * Gives a shard up: stops using it at once, then tells every member to forget the grants so
   * that the next owner need not wait for them to expire. Call after in-flight writes drained.
   */
  async release(shard: number): Promise<void> {
    const l = this.leases.get(shard);
    if (!l || l.status === 'idle') return;
    const wasHeld = l.status === 'held';
    this.wanted.delete(shard);
    this.set(shard, l, 'idle', null, 0);
    if (wasHeld) await this.sendRelease(new Map(this.members.map((m) => [m, [shard]])));
  }

  /** The store said a newer epoch exists: this lease is stale whatever the clock says. */
  fenced(shard: number, currentEpoch: number): void {
    const l = this.leases.get(shard);
    if (!l || l.status !== 'held' || (l.epoch ?? 0) >= currentEpoch) return;
    this.log.warn('lease fenced by the store', { shard, epoch: l.epoch, currentEpoch });
    this.set(shard, l, this.wanted.has(shard) ? 'acquiring' : 'idle', null, 0);
    this.kick();
  }

  /** Runs a round soon (e.g. after a membership change). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  /** Stops rounds and releases every held shard. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    // a round in flight is not awaited (its calls may wait out a partition); it checks stopped
    const held = [...this.leases.entries()].filter(([, l]) => l.status === 'held').map(([s]) => s);
    for (const [s, l] of this.leases) this.set(s, l, 'idle', null, 0);
    this.wanted.clear();
    if (held.length > 0) await this.sendRelease(new Map(this.members.map((m) => [m, held])));
  }

  private lease(shard: number): ShardLease {
    let l = this.leases.get(shard);
    if (!l) {
      l = { status: 'idle', epoch: null, validUntil: 0, gen: 0 };
      this.leases.set(shard, l);
    }
    return l;
  }

  private set(
    shard: number,
    l: ShardLease,
    status: LeaseStatus,
    epoch: number | null,
    validUntil: number,
  ): void {
    const changed = l.status !== status || l.epoch !== epoch;
    if (status !== 'held' || l.status !== 'held') l.gen++;
    l.status = status;
    l.epoch = epoch;
    l.validUntil = validUntil;
    if (changed) {
      const info = this.info(shard);
      for (const fn of [...this.listeners]) fn(info);
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.running = this.round()
        .catch((err: unknown) => this.log.error('lease round failed', { err: String(err) }))
        .finally(() => {
          this.running = null;
          const missing = [...this.wanted].some((s) => this.leases.get(s)?.status !== 'held');
          const next = this.again ? 0 : missing ? this.retryMs : this.renewMs;
          this.again = false;
          this.schedule(next);
        });
    }, ms);
  }

  private visibleMembers(): NodeName[] {
    const up = new Set(this.node.nodes());
    return this.members.filter((m) => m === this.node.name || up.has(m));
  }

  private async round(): Promise<void> {
    const t0 = this.clock.monotonic();
    for (const [s, l] of this.leases) {
      // an expired lease is lost; it will be acquired again (with a new epoch) if still wanted
      if (l.status === 'held' && t0 >= l.validUntil) {
        this.log.info('lease expired', { shard: s, epoch: l.epoch });
        this.set(s, l, this.wanted.has(s) ? 'acquiring' : 'idle', null, 0);
      }
    }
    const ask = [...this.leases.entries()].filter(([, l]) => l.status !== 'idle').map(([s]) => s);
    if (ask.length === 0) return;
    const gens = new Map(ask.map((s) => [s, this.lease(s).gen]));
    const req: GrantRequest = {
      op: 'grant',
      shards: ask,
      epochs: ask.map((s) => this.lease(s).epoch),
      durationMs: this.leaseMs,
    };
    // the negative control asks no one: it takes what it wants as if a majority had granted it
    const noLease = this.options.unsafeNoLease === true;
    const replies = await Promise.all(
      (noLease ? [] : this.visibleMembers()).map(
        async (m): Promise<[NodeName, GrantReply | null]> => {
          if (m === this.node.name) return [m, this.grantor.grant(m, req)];
          try {
            const r = await this.node.call(
              m,
              LEASE_HANDLER,
              { ...req },
              { timeoutMs: this.rpcTimeoutMs },
            );
            return [m, r as unknown as GrantReply];
          } catch {
            return [m, null];
          }
        },
      ),
    );
    if (this.stopped) return;
    this.lastReachable = noLease
      ? this.members.length
      : replies.filter(([, r]) => r !== null).length;
    const grantedBy = new Map<number, NodeName[]>();
    for (const [m, r] of replies) {
      for (const s of r?.granted ?? []) grantedBy.set(s, [...(grantedBy.get(s) ?? []), m]);
    }
    const validUntil = t0 + this.leaseMs - this.marginMs;
    const toBump: number[] = [];
    const giveBack = new Map<NodeName, number[]>();
    for (const s of ask) {
      const l = this.lease(s);
      if (l.gen !== gens.get(s)) continue; // released or fenced meanwhile
      const by = grantedBy.get(s) ?? [];
      if (by.length >= this.majority || noLease) {
        if (l.status === 'held') l.validUntil = validUntil;
        else toBump.push(s);
      } else if (l.status !== 'held') {
        // a partial grant would only block whoever should get this shard
        for (const m of by) giveBack.set(m, [...(giveBack.get(m) ?? []), s]);
      }
    }
    await Promise.all(
      toBump.map(async (s) => {
        try {
          const epoch = await this.options.store.bumpEpoch(s, this.node.name);
          const l = this.lease(s);
          if (!this.stopped && l.gen === gens.get(s) && l.status === 'acquiring')
            this.set(s, l, 'held', epoch, validUntil);
        } catch (err) {
          this.log.warn('could not take epoch', { shard: s, err: String(err) });
          for (const m of grantedBy.get(s) ?? []) giveBack.set(m, [...(giveBack.get(m) ?? []), s]);
        }
      }),
    );
    if (giveBack.size > 0) await this.sendRelease(giveBack);
  }

  private async sendRelease(perMember: Map<NodeName, number[]>): Promise<void> {
    const visible = new Set(this.visibleMembers());
    await Promise.all(
      [...perMember].map(async ([m, shards]) => {
        if (!visible.has(m)) return;
        if (m === this.node.name) {
          this.grantor.release(m, shards);
          return;
        }
        try {
          await this.node.call(
            m,
            LEASE_HANDLER,
            { op: 'release', shards },
            { timeoutMs: this.rpcTimeoutMs },
          );
        } catch {
          // the grant expires by itself
        }
      }),
    );
  }
}
