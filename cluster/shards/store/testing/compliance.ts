import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BadArgumentError, BadKeyError, FencedError, StoreUnavailableError } from '../../errors.ts';
import type { FencedStore } from '../types.ts';

/**
 * One behaviour suite for every FencedStore implementation (as js-libp2p runs one compliance
 * suite against each transport). `open` must return a store on a fresh, empty database.
 */
export function storeCompliance(name: string, open: () => Promise<FencedStore>): void {
  describe(`${name} — FencedStore compliance`, () => {
    let store: FencedStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const write = (epoch: number, requestId: string, amount = 1, key = 'k1', shard = 3) => ({
      shard,
      epoch,
      node: 'a@h',
      requestId,
      key,
      amount,
    });

    it(`${name} — a fresh store has no epochs and zero counters`, async () => {
      expect(await store.epochs()).toEqual([]);
      expect(await store.epochOf(3)).toBe(0);
      expect(await store.get('nothing')).toBe(0);
      expect(await store.history()).toEqual([]);
    });

    it(`${name} — registers: fenced write and cas, null before the first write`, async () => {
      const op = { shard: 6, node: 'a@h', key: 'r1' };
      expect(await store.getRegister('r1')).toBeNull();
      await store.bumpEpoch(6, 'a@h');
      expect(
        await store.commitRegister({ ...op, epoch: 1, op: 'cas', expected: 1, value: 2 }),
      ).toEqual({ applied: false, value: null });
      expect(await store.commitRegister({ ...op, epoch: 1, op: 'write', value: 3 })).toEqual({
        applied: true,
        value: 3,
      });
      expect(
        await store.commitRegister({ ...op, epoch: 1, op: 'cas', expected: 3, value: 4 }),
      ).toEqual({ applied: true, value: 4 });
      expect(
        await store.commitRegister({ ...op, epoch: 1, op: 'cas', expected: 3, value: 5 }),
      ).toEqual({ applied: false, value: 4 });
      await store.bumpEpoch(6, 'b@h');
      await expect(
        store.commitRegister({ ...op, epoch: 1, op: 'write', value: 9 }),
      ).rejects.toBeInstanceOf(FencedError);
      expect(await store.getRegister('r1')).toBe(4);
      await expect(
        store.commitRegister({ ...op, epoch: 2, op: 'write', value: 1.5 }),
      ).rejects.toBeInstanceOf(BadArgumentError);
      // registers are not ledger counters
      expect(await store.get('r1')).toBe(0);
      expect(await store.history()).toEqual([]);
    });

    it(`${name} — bumpEpoch increments and logs who took each epoch`, async () => {
      expect(await store.bumpEpoch(3, 'a@h')).toBe(1);
      expect(await store.bumpEpoch(3, 'b@h')).toBe(2);
      expect(await store.bumpEpoch(4, 'b@h')).toBe(1);
      expect(await store.epochOf(3)).toBe(2);
      expect(await store.epochs()).toEqual([
        { shard: 3, epoch: 2, node: 'b@h' },
        { shard: 4, epoch: 1, node: 'b@h' },
      ]);
      const log = await store.epochLog();
      expect(log.map((g) => [g.shard, g.epoch, g.node])).toEqual([
        [3, 1, 'a@h'],
        [3, 2, 'b@h'],
        [4, 1, 'b@h'],
      ]);
    });

    it(`${name} — each grant records the history's highest seq at that moment`, async () => {
      const base = { node: 'a@h', key: 'k', amount: 1 };
      await store.bumpEpoch(5, 'a@h');
      const w1 = await store.commitWrite({ ...base, shard: 5, epoch: 1, requestId: 'g1' });
      const w2 = await store.commitWrite({ ...base, shard: 5, epoch: 1, requestId: 'g2' });
      await store.bumpEpoch(5, 'b@h');
      await store.commitWrite({ ...base, shard: 5, epoch: 2, node: 'b@h', requestId: 'g3' });
      const log = (await store.epochLog()).filter((g) => g.shard === 5);
      expect(log.map((g) => [g.epoch, g.afterSeq])).toEqual([
        [1, 0],
        [2, Math.max(w1.seq, w2.seq)],
      ]);
    });

    it(`${name} — bumpEpoch with an expected epoch is a compare-and-increment`, async () => {
      await store.bumpEpoch(3, 'a@h');
      expect(await store.bumpEpoch(3, 'b@h', 1)).toBe(2);
      const err = await store.bumpEpoch(3, 'c@h', 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FencedError);
      expect((err as FencedError).currentEpoch).toBe(2);
      expect(await store.epochOf(3)).toBe(2);
    });

    it(`${name} — a write at the current epoch commits and is recorded`, async () => {
      const e = await store.bumpEpoch(3, 'a@h');
      const r1 = await store.commitWrite(write(e, 'r1', 5));
      const r2 = await store.commitWrite(write(e, 'r2', -2));
      expect(r1).toMatchObject({ value: 5, epoch: 1, replayed: false, requestId: 'r1' });
      expect(r2.value).toBe(3);
      expect(r2.seq).toBeGreaterThan(r1.seq);
      expect(await store.get('k1')).toBe(3);
      const h = await store.history();
      expect(h).toHaveLength(2);
      expect(h[0]).toMatchObject({
        shard: 3,
        epoch: 1,
        node: 'a@h',
        requestId: 'r1',
        key: 'k1',
        amount: 5,
        value: 5,
      });
      expect(typeof h[0]!.committedAt).toBe('number');
      expect(await store.counters()).toEqual({ k1: 3 });
    });

    it(`${name} — a write with a stale or future epoch is fenced and changes nothing`, async () => {
      await store.bumpEpoch(3, 'a@h');
      await store.bumpEpoch(3, 'b@h');
      for (const epoch of [1, 3]) {
        const err = await store.commitWrite(write(epoch, `x${epoch}`)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(FencedError);
        expect((err as FencedError).code).toBe('fenced');
        expect((err as FencedError).currentEpoch).toBe(2);
      }
      expect(await store.get('k1')).toBe(0);
      expect(await store.history()).toEqual([]);
    });

    it(`${name} — a shard that never had a lease accepts no write`, async () => {
      await expect(store.commitWrite(write(1, 'r1'))).rejects.toBeInstanceOf(FencedError);
      await expect(store.commitWrite(write(0, 'r0'))).rejects.toBeInstanceOf(BadArgumentError);
    });

    it(`${name} — a replayed request id returns the original result, even after a fence`, async () => {
      await store.bumpEpoch(3, 'a@h');
      const first = await store.commitWrite(write(1, 'same', 7));
      await store.bumpEpoch(3, 'b@h');
      const again = await store.commitWrite(write(1, 'same', 7));
      expect(again).toEqual({ ...first, replayed: true });
      expect(await store.get('k1')).toBe(7);
      expect(await store.history()).toHaveLength(1);
    });

    it(`${name} — concurrent replays of one request id apply it once`, async () => {
      await store.bumpEpoch(3, 'a@h');
      const results = await Promise.all(
        Array.from({ length: 8 }, () => store.commitWrite(write(1, 'dup', 2))),
      );
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      expect(new Set(results.map((r) => r.seq)).size).toBe(1);
      expect(await store.get('k1')).toBe(2);
    });

    it(`${name} — concurrent writes are judged one by one: a stale one fails alone`, async () => {
      await store.bumpEpoch(3, 'a@h');
      await store.bumpEpoch(3, 'b@h');
      const results = await Promise.allSettled([
        store.commitWrite(write(2, 'ok1', 1)),
        store.commitWrite(write(1, 'stale', 100)),
        store.commitWrite(write(2, 'ok2', 1)),
        store.commitWrite(write(2, 'ok1', 1)),
      ]);
      expect(results.map((r) => r.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
      ]);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(FencedError);
      expect((results[3] as PromiseFulfilledResult<{ replayed: boolean }>).value.replayed).toBe(
        true,
      );
      expect(await store.get('k1')).toBe(2);
      expect((await store.history()).map((h) => h.requestId).sort()).toEqual(['ok1', 'ok2']);
    });

    it(`${name} — writes committed together keep each key's value chain in commit order`, async () => {
      await store.bumpEpoch(3, 'a@h');
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          store.commitWrite(write(1, `w${i}`, i + 1, i % 3 === 0 ? 'k1' : 'k2')),
        ),
      );
      const history = await store.history();
      const sums = new Map<string, number>();
      for (const h of history) {
        const expected = (sums.get(h.key) ?? 0) + h.amount;
        expect(h.value).toBe(expected);
        sums.set(h.key, expected);
      }
      for (const r of results)
        expect(history.find((h) => h.requestId === r.requestId)?.value).toBe(r.value);
      expect(await store.counters()).toEqual(Object.fromEntries(sums));
    });

    it(`${name} — malformed writes are typed errors, not crashes`, async () => {
      await store.bumpEpoch(3, 'a@h');
      await expect(store.commitWrite(write(1, 'r', 1, ''))).rejects.toBeInstanceOf(BadKeyError);
      await expect(store.commitWrite(write(1, 'r', 1.5))).rejects.toBeInstanceOf(BadArgumentError);
      await expect(store.commitWrite(write(1, ''))).rejects.toBeInstanceOf(BadArgumentError);
      await expect(store.commitWrite({ ...write(1, 'r'), shard: -1 })).rejects.toBeInstanceOf(
        BadArgumentError,
      );
      expect(await store.history()).toEqual([]);
    });

    it(`${name} — a closed store answers store_unavailable`, async () => {
      await store.close();
      const err = await store.get('k1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect((err as StoreUnavailableError).retryable).toBe(true);
      store = await open(); // for afterEach
    });
  });
}
