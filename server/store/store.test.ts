import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prisma } from '../../prisma/generated/sqlite/client.ts';
import { drillModelExercises } from '../drills/testing/model-exercises.ts';
import { historyModelExercises } from '../history/testing/model-exercises.ts';
import { recordBoot, recordShutdown } from './boots.ts';
import { openDb, type Db } from './client.ts';
import {
  MigrationChecksumError,
  MigrationFailedError,
  migrate,
  migrationsDir,
  readMigrations,
} from './migrate.ts';
import { freshSqlite, testBackends, type TestDatabase } from './testing/databases.ts';

/**
 * One round trip per model. Typed by Prisma's model list, so adding a model without adding it
 * here fails the typecheck: schema, SQL migrations and this test cannot drift apart.
 */
const exerciseModel: Record<Prisma.ModelName, (db: Db) => Promise<void>> = {
  ...historyModelExercises,
  ...drillModelExercises,
  async ServerBoot(db) {
    const startedAt = new Date('2026-01-02T03:04:05.678Z');
    await recordBoot(db, { id: 'boot-1', startedAt, version: '1.2.3' });
    await recordShutdown(db, 'boot-1', new Date('2026-01-02T04:00:00.000Z'));
    const rows = await db.serverBoot.findMany();
    expect(rows).toEqual([
      {
        id: 'boot-1',
        startedAt,
        stoppedAt: new Date('2026-01-02T04:00:00.000Z'),
        version: '1.2.3',
      },
    ]);
    await db.serverBoot.delete({ where: { id: 'boot-1' } });
    expect(await db.serverBoot.count()).toBe(0);
  },
};

const backends = testBackends();

describe.each(backends)('store on $name', ({ create }) => {
  let database: TestDatabase;
  let db: Db;

  beforeAll(async () => {
    database = await create();
    const first = await migrate(database.url);
    expect(first.applied).toEqual(
      readMigrations(migrationsDir(database.provider)).map((m) => m.name),
    );
    db = await openDb(database.url);
  });

  afterAll(async () => {
    await db?.$disconnect();
    await database?.drop();
  });

  it('store — migrating again applies nothing', async () => {
    expect((await migrate(database.url)).applied).toEqual([]);
  });

  it.each(Object.keys(exerciseModel) as Prisma.ModelName[])(
    'store — model %s round-trips through the generated client',
    async (model) => {
      await exerciseModel[model](db);
    },
  );
});

describe('store — migration runner', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  function migrationsFolder(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'observatory-migrations-'));
    dirs.push(dir);
    for (const [name, sql] of Object.entries(files)) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'migration.sql'), sql);
    }
    return dir;
  }

  it('store — applies migrations in timestamp order and records them like Prisma', async () => {
    const database = freshSqlite();
    const dir = migrationsFolder({
      '20200102000000_b': 'INSERT INTO "T" VALUES (1);',
      '20200101000000_a': 'CREATE TABLE "T" ("x" INTEGER);',
    });
    expect((await migrate(database.url, { dir })).applied).toEqual([
      '20200101000000_a',
      '20200102000000_b',
    ]);
    await database.drop();
  });

  it('store — refuses a migration edited after it was applied', async () => {
    const database = freshSqlite();
    const dir = migrationsFolder({ '20200101000000_a': 'CREATE TABLE "T" ("x" INTEGER);' });
    await migrate(database.url, { dir });
    writeFileSync(
      join(dir, '20200101000000_a', 'migration.sql'),
      'CREATE TABLE "T" ("y" INTEGER);',
    );
    await expect(migrate(database.url, { dir })).rejects.toBeInstanceOf(MigrationChecksumError);
    await database.drop();
  });

  it('store — a failing migration leaves nothing of itself applied', async () => {
    const database = freshSqlite();
    const dir = migrationsFolder({
      '20200101000000_a': 'CREATE TABLE "T" ("x" INTEGER);',
      '20200102000000_bad': 'CREATE TABLE "U" ("y" INTEGER); THIS IS NOT SQL;',
    });
    await expect(migrate(database.url, { dir })).rejects.toBeInstanceOf(MigrationFailedError);
    const fixed = migrationsFolder({
      '20200101000000_a': 'CREATE TABLE "T" ("x" INTEGER);',
      '20200102000000_bad': 'CREATE TABLE "U" ("y" INTEGER);',
    });
    // "U" must not exist from the failed attempt, or this would fail with "table U already exists".
    expect((await migrate(database.url, { dir: fixed })).applied).toEqual([
      '20200101000000_a',
      '20200102000000_bad',
    ]);
    await database.drop();
  });
});
