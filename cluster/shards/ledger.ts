import type { NodeName, Payload } from '../api.ts';
import { BadArgumentError } from './errors.ts';
import { validateKey } from './hash.ts';
import type { ShardRouter } from './router.ts';
import type { FencedStore } from './store/types.ts';

export const LEDGER_INCR = 'ledger.incr';
export const LEDGER_GET = 'ledger.get';

export interface IncrResult {
  readonly key: string;
  readonly requestId: string;
  readonly value: number;
  readonly shard: number;
  readonly epoch: number;
  readonly node: NodeName;
  /** the request id had committed before; this is the first result */
  readonly replayed: boolean;
}

export interface GetResult {
  readonly key: string;
  readonly value: number;
  readonly shard: number;
  readonly node: NodeName;
  /** read without a valid lease (e.g. on the minority side): may be out of date */
  readonly stale: boolean;
}

function incrArgs(args: Payload): { amount: number; requestId: string } {
  const a = (typeof args === 'object' && args !== null ? args : {}) as Record<string, unknown>;
  const { amount, requestId } = a;
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount)) {
    throw new BadArgumentError('amount must be a safe integer');
  }
  if (typeof requestId !== 'string' || requestId.length === 0 || requestId.length > 200) {
    throw new BadArgumentError('requestId must be a string of 1 to 200 characters');
  }
  return { amount, requestId };
}

/**
 * The demo service: a ledger of integer counters. It keeps nothing in memory: the store is the
 * state, so a new owner "loads" a shard simply by holding its epoch, and every write is checked
 * against that epoch by the store.
 */
export class Ledger {
  constructor(
    private readonly router: ShardRouter,
    store: FencedStore,
  ) {
    router.define(LEDGER_INCR, {
      kind: 'write',
      run: async (ctx, args) => {
        const { amount, requestId } = incrArgs(args);
        const r = await store.commitWrite({
          shard: ctx.shard,
          epoch: ctx.epoch ?? 0,
          node: ctx.node,
          requestId,
          key: ctx.key,
          amount,
        });
        return {
          key: r.key,
          requestId: r.requestId,
          value: r.value,
          shard: r.shard,
          epoch: r.epoch,
          node: r.node,
          replayed: r.replayed,
        };
      },
    });
    router.define(LEDGER_GET, {
      kind: 'read',
      run: async (ctx) => ({
        key: ctx.key,
        value: await store.get(ctx.key),
        shard: ctx.shard,
        node: ctx.node,
        stale: ctx.stale,
      }),
    });
  }

  /** Adds `amount` to `key`, exactly once per `requestId`, at the key's owner. */
  async incr(key: string, amount: number, requestId: string): Promise<IncrResult> {
    validateKey(key);
    incrArgs({ amount, requestId });
    return (await this.router.call(key, LEDGER_INCR, {
      amount,
      requestId,
    })) as unknown as IncrResult;
  }

  /** The counter's value as its owner reads it (stale: true when read without a lease). */
  async get(key: string): Promise<GetResult> {
    return (await this.router.call(key, LEDGER_GET, null)) as unknown as GetResult;
  }
}
