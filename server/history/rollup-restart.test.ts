import { describe, expect, it } from 'vitest';
import { frame, snapshot } from '../model/testing/fixtures.ts';
import { openDb } from '../store/client.ts';
import { migrate } from '../store/migrate.ts';
import { freshSqlite } from '../store/testing/databases.ts';
import { History } from './history.ts';
import { storedRollups } from './testing/stored-rollups.ts';

/** 2026-01-01T00:00:00Z, on a minute boundary */
const T0 = 1_767_225_600;

describe('rollups across a restart', () => {
  it('rollups — a bucket open at a stop is rolled from its stored raw rows by the next server, once', async () => {
    const database = freshSqlite();
    await migrate(database.url);
    let now = (T0 + 5) * 1000;
    const persist = (h: History, from: number, n: number) =>
      h.persist(
        Array.from({ length: n }, (_, i) =>
          snapshot('a', from + i, { t: T0 + from - 1 + i, frames: [frame('b', 'rpc', 10, 100)] }),
        ),
        now,
      );
    // First server: half of the bucket arrives, then it stops before the bucket closes.
    const db1 = await openDb(database.url);
    const first = new History(db1, { now: () => now, config: { flushIntervalMs: 5 } });
    await persist(first, 1, 5);
    expect(await first.rollup()).toBe(0);
    await first.close();
    await db1.$disconnect();

    // Second server on the same file: the rest of the bucket, then the bucket closes.
    const db2 = await openDb(database.url);
    const second = new History(db2, { now: () => now, config: { flushIntervalMs: 5 } });
    try {
      await persist(second, 6, 5);
      now = (T0 + 100) * 1000;
      expect(await second.rollup()).toBe(1 + 1);
      expect(await second.rollup()).toBe(0);
      const tens = await storedRollups(db2, 10);
      expect(tens.map((r) => [r.t, r.count, r.bytes])).toEqual([[T0, 100, 100 * 100]]);
    } finally {
      await second.close();
      await db2.$disconnect();
      await database.drop();
    }
  });
});
