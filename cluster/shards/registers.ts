import type { Payload } from '../api.ts';
import { BadArgumentError } from './errors.ts';
import { validateKey } from './hash.ts';
import type { OpContext, ShardRouter } from './router.ts';
import type { FencedStore, RegisterResult, RegisterValue } from './store/types.ts';

export const REGISTER_READ = 'register.read';
export const REGISTER_WRITE = 'register.write';
export const REGISTER_CAS = 'register.cas';
/** values cached per shard and epoch; past it the cache starts over (reads go to the store) */
const MAX_CACHED_PER_SHARD = 10_000;

/** One shard's register values as its lease holder knows them, valid for one epoch only. */
interface ShardCache {
  readonly epoch: number;
  readonly values: Map<string, RegisterValue>;
}

function registerArgs(args: Payload): { value: number; expected: RegisterValue } {
  const a = (typeof args === 'object' && args !== null ? args : {}) as Record<string, unknown>;
  const { value, expected } = a;
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw new BadArgumentError('value must be a safe integer');
  if (expected !== undefined && expected !== null && !Number.isSafeInteger(expected))
    throw new BadArgumentError('expected must be a safe integer or null');
  return { value, expected: (expected ?? null) as RegisterValue };
}

/**
 * Linearizable registers (`read`, `write`, `cas`) on the fenced store: the drills' register
 * workload. Writes and cas go to the store under the shard's epoch, like the ledger's. Reads are
 * **lease reads**, the optimisation real systems make: the holder of a valid lease answers from
 * what it last read or wrote in that epoch, without asking the store, because while its lease
 * lasts no one else can have written. That makes the registers exactly as linearizable as the
 * leases are exclusive — which is what `--unsafe no-lease` breaks and the checker must see. A
 * read without a valid lease asks the store (always linearizable: the store is one atomic copy).
 * Operations on one key are served one at a time, so a cached read never overtakes a write that
 * may already have committed.
 */
export class Registers {
  private readonly cache = new Map<number, ShardCache>();
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(
    private readonly router: ShardRouter,
    private readonly store: FencedStore,
  ) {
    router.define(REGISTER_READ, {
      kind: 'read',
      run: (ctx) => this.serial(ctx.key, () => this.serveRead(ctx)),
    });
    router.define(REGISTER_WRITE, {
      kind: 'write',
      run: (ctx, args) => this.serial(ctx.key, () => this.commit(ctx, 'write', registerArgs(args))),
    });
    router.define(REGISTER_CAS, {
      kind: 'write',
      run: (ctx, args) => this.serial(ctx.key, () => this.commit(ctx, 'cas', registerArgs(args))),
    });
  }

  /** The register's value, linearizable as long as leases are exclusive. */
  async read(key: string): Promise<RegisterValue> {
    validateKey(key);
    return (await this.router.call(key, REGISTER_READ, null)) as RegisterValue;
  }

  private async serveRead(ctx: OpContext): Promise<RegisterValue> {
    if (ctx.epoch === null) return this.store.getRegister(ctx.key);
    const shard = this.shardCache(ctx.shard, ctx.epoch);
    if (shard.values.has(ctx.key)) return shard.values.get(ctx.key)!;
    const value = await this.store.getRegister(ctx.key);
    this.remember(shard, ctx.key, value);
    return value;
  }

  /** Sets the register. */
  async write(key: string, value: number): Promise<RegisterResult> {
    validateKey(key);
    return (await this.router.call(key, REGISTER_WRITE, {
      value,
    })) as unknown as RegisterResult;
  }

  /** Sets the register to `value` if it holds `expected`; `applied: false` when it did not. */
  async cas(key: string, expected: RegisterValue, value: number): Promise<RegisterResult> {
    validateKey(key);
    return (await this.router.call(key, REGISTER_CAS, {
      expected,
      value,
    })) as unknown as RegisterResult;
  }

  private async commit(
    ctx: OpContext,
    op: 'write' | 'cas',
    a: { value: number; expected: RegisterValue },
  ): Promise<Payload> {
    const epoch = ctx.epoch ?? 0;
    try {
      const r = await this.store.commitRegister({
        shard: ctx.shard,
        epoch,
        node: ctx.node,
        key: ctx.key,
        op,
        value: a.value,
        ...(op === 'cas' ? { expected: a.expected } : {}),
      });
      this.remember(this.shardCache(ctx.shard, epoch), ctx.key, r.value);
      return { applied: r.applied, value: r.value };
    } catch (err) {
      // the outcome may be unknown (a store that timed out may still commit): forget the value
      this.cache.get(ctx.shard)?.values.delete(ctx.key);
      throw err;
    }
  }

  private remember(shard: ShardCache, key: string, value: RegisterValue): void {
    if (shard.values.size >= MAX_CACHED_PER_SHARD && !shard.values.has(key)) shard.values.clear();
    shard.values.set(key, value);
  }

  /** The shard's cache for `epoch`; a new epoch starts empty (someone else may have written). */
  private shardCache(shard: number, epoch: number): ShardCache {
    let c = this.cache.get(shard);
    if (c?.epoch !== epoch) {
      c = { epoch, values: new Map() };
      this.cache.set(shard, c);
    }
    return c;
  }

  private serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }
}
