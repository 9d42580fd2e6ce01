import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { historyQuerySchema } from '../../protocol/http.ts';
import { frame, snapshot } from '../model/testing/fixtures.ts';
import { openDb } from '../store/client.ts';
import { migrate, migrationsDir, readMigrations } from '../store/migrate.ts';
import { testBackends } from '../store/testing/databases.ts';
import { rollUp, toSeries } from './aggregate.ts';
import { History } from './history.ts';
import { recordsOfRaw } from './rollups.ts';
import { storedRollups } from './testing/stored-rollups.ts';

const PACKED = '20261208030000_rollup_buckets';
/** 2026-01-01T00:00:00Z, on a minute boundary */
const T0 = 1_767_225_600;

describe.each(testBackends())('rollup migration on $name', ({ create }) => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('rollup migration — per-series rollups are dropped, raw rows survive and are rolled again into packed rows', async () => {
    const database = await create();
    // The store as the previous release left it: every migration before the packed rollups.
    const before = mkdtempSync(join(tmpdir(), 'observatory-old-migrations-'));
    dirs.push(before);
    const all = migrationsDir(database.provider);
    for (const m of readMigrations(all).filter((m) => m.name < PACKED))
      cpSync(join(all, m.name), join(before, m.name), { recursive: true });
    await migrate(database.url, { dir: before });

    const db = await openDb(database.url);
    try {
      let now = (T0 + 30) * 1000;
      const history = new History(db, { now: () => now, config: { flushIntervalMs: 5 } });
      await history.persist(
        Array.from({ length: 30 }, (_, i) =>
          snapshot('a', i + 1, {
            t: T0 + i,
            frames: [frame('b', 'rpc', 10, 100 + i), frame('c', 'gossip', 2, 40)],
          }),
        ),
        now,
      );
      now = (T0 + 200) * 1000;
      // What the old release had done with them: rolled, one row per series.
      await db.$executeRawUnsafe('UPDATE "RawSnapshot" SET "rolled10" = true, "rolled60" = true');
      await db.$executeRawUnsafe(
        `INSERT INTO "TrafficRollup" ("resolution", "t", "node", "peer", "channel", "direction", "count", "bytes", "sketch")
         VALUES (10, ${T0}, 'a', 'b', 'rpc', 'out', 100, 10000, 'AQ==')`,
      );

      expect((await migrate(database.url)).applied).toEqual([PACKED]);
      expect(await db.rawSnapshot.count({ where: { rolled10: false, rolled60: false } })).toBe(30);
      await expect(db.$queryRawUnsafe('SELECT COUNT(*) FROM "TrafficRollup"')).rejects.toThrow();

      // The rollup job rebuilds them: three 10 s buckets and the minute, one packed row each.
      expect(await history.rollup()).toBe(3 + 1);
      expect(await db.rollupBucket.count()).toBe(4);
      expect((await storedRollups(db, 10)).length).toBe(3 * 2);

      // The packed rows answer exactly what rolling the raw rows up per series (the old path) does.
      const raw = await db.rawSnapshot.findMany({ select: { node: true, t: true, data: true } });
      for (const [resolution, groupBy] of [
        ['10', 'link'],
        ['60', 'channel'],
      ] as const) {
        const res = Number(resolution);
        const query = historyQuerySchema.parse({
          from: T0 * 1000,
          to: (T0 + 30) * 1000,
          resolution,
          groupBy,
        });
        const oldPath = toSeries(
          rollUp(recordsOfRaw(raw), res).filter((r) => r.direction === 'out'),
          res,
          groupBy,
        );
        expect((await history.history(query)).series).toEqual(oldPath);
      }
      await history.close();
    } finally {
      await db.$disconnect();
      await database.drop();
    }
  });
});
