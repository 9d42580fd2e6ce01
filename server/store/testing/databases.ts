/**
 * Fresh, throw-away databases for tests: a SQLite file in a temp dir, and, when the environment
 * provides a PostgreSQL server (`TEST_POSTGRES_URL`, set by .ci/run), a new database on it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';

export interface TestDatabase {
  readonly provider: 'sqlite' | 'postgresql';
  readonly url: string;
  /** Deletes the database. */
  drop(): Promise<void>;
}

/** A new SQLite database file in its own temp dir. */
export function freshSqlite(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'observatory-db-'));
  return {
    provider: 'sqlite',
    url: `file:${join(dir, 'test.db')}`,
    drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  };
}

/** A new, empty database on the server at `serverUrl` (its role needs CREATEDB). */
export async function freshPostgres(serverUrl: string): Promise<TestDatabase> {
  const name = `observatory_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    provider: 'postgresql',
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** The databases a storage test runs on: SQLite always, PostgreSQL when CI provides a server. */
export function testBackends(): { name: string; create: () => Promise<TestDatabase> }[] {
  const postgresUrl = inject('postgresUrl');
  return [
    { name: 'sqlite', create: () => Promise.resolve(freshSqlite()) },
    ...(postgresUrl === ''
      ? []
      : [{ name: 'postgresql', create: () => freshPostgres(postgresUrl) }]),
  ];
}
