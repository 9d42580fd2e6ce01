import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Payload } from '../api.ts';
import { FencedError } from './errors.ts';
import { REGISTER_CAS, REGISTER_READ, REGISTER_WRITE, Registers } from './registers.ts';
import type { OpContext, OpDefinition, ShardRouter } from './router.ts';
import { openSqliteStore } from './store/sqlite.ts';
import type { FencedStore } from './store/types.ts';

/** The router's side is only `define`: the tests call the served operations directly. */
function fakeRouter(): { router: ShardRouter; ops: Map<string, OpDefinition> } {
  const ops = new Map<string, OpDefinition>();
  const router = { define: (op: string, def: OpDefinition) => ops.set(op, def) };
  return { router: router as unknown as ShardRouter, ops };
}

const ctx = (epoch: number | null, key = 'r1'): OpContext => ({
  shard: 2,
  key,
  node: 'a@h',
  epoch,
  stale: epoch === null,
});

describe('registers — lease reads on the fenced store', () => {
  let store: FencedStore;
  let ops: Map<string, OpDefinition>;
  const run = (op: string, c: OpContext, args: Payload = null) =>
    Promise.resolve(ops.get(op)!.run(c, args));

  beforeEach(() => {
    store = openSqliteStore(':memory:');
    const f = fakeRouter();
    new Registers(f.router, store);
    ops = f.ops;
  });
  afterEach(async () => {
    await store.close();
  });

  it('registers — a lease holder answers from its epoch, a reader without a lease asks the store', async () => {
    await store.bumpEpoch(2, 'a@h');
    expect(await run(REGISTER_WRITE, ctx(1), { value: 5 })).toEqual({ applied: true, value: 5 });
    // someone else takes epoch 2 and writes: only possible when leases are not exclusive
    await store.bumpEpoch(2, 'b@h');
    await store.commitRegister({
      shard: 2,
      epoch: 2,
      node: 'b@h',
      key: 'r1',
      op: 'write',
      value: 7,
    });
    // the holder of epoch 1 still answers from its lease: this is what no-lease exposes
    expect(await run(REGISTER_READ, ctx(1))).toBe(5);
    // a new epoch starts from the store; no lease: the store
    expect(await run(REGISTER_READ, ctx(2))).toBe(7);
    expect(await run(REGISTER_READ, ctx(null))).toBe(7);
  });

  it('registers — cas applies only on the expected value; a fenced write forgets the cached value', async () => {
    await store.bumpEpoch(2, 'a@h');
    expect(await run(REGISTER_CAS, ctx(1), { expected: null, value: 1 })).toEqual({
      applied: true,
      value: 1,
    });
    expect(await run(REGISTER_CAS, ctx(1), { expected: 0, value: 2 })).toEqual({
      applied: false,
      value: 1,
    });
    await store.bumpEpoch(2, 'b@h');
    await store.commitRegister({
      shard: 2,
      epoch: 2,
      node: 'b@h',
      key: 'r1',
      op: 'write',
      value: 9,
    });
    await expect(run(REGISTER_WRITE, ctx(1), { value: 3 })).rejects.toBeInstanceOf(FencedError);
    expect(await run(REGISTER_READ, ctx(1))).toBe(9);
  });

  it('registers — operations on one key are served one at a time, in arrival order', async () => {
    // a slow store: a read must still not overtake the write in front of it
    const slow: FencedStore = {
      ...store,
      commitRegister: async (r) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        return store.commitRegister(r);
      },
    };
    const f = fakeRouter();
    new Registers(f.router, slow);
    ops = f.ops;
    await store.bumpEpoch(2, 'a@h');
    const seen: unknown[] = [];
    await Promise.all([
      run(REGISTER_READ, ctx(1)).then((v) => seen.push(['read', v])),
      run(REGISTER_WRITE, ctx(1), { value: 4 }).then((v) => seen.push(['write', v])),
      run(REGISTER_READ, ctx(1)).then((v) => seen.push(['read', v])),
    ]);
    expect(seen).toEqual([
      ['read', null],
      ['write', { applied: true, value: 4 }],
      ['read', 4],
    ]);
  });

  it('registers — bad arguments are refused before the store is asked', async () => {
    await expect(run(REGISTER_WRITE, ctx(1), { value: 'x' })).rejects.toThrow(/safe integer/);
    await expect(run(REGISTER_CAS, ctx(1), { expected: 1.5, value: 1 })).rejects.toThrow(
      /expected/,
    );
  });
});
