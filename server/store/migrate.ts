/**
 * Applies the committed SQL migrations (prisma/migrations for SQLite, prisma/migrations-postgres for
 * PostgreSQL). Prisma's own `migrate deploy` needs a schema-engine binary that cannot be downloaded
 * here, so this runner does the same job and records what it applied in a table shaped exactly like
 * Prisma's `_prisma_migrations`, so that the standard tooling can take over where it is available.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PROJECT_ROOT } from '../paths.ts';
import { parseDatabaseUrl, type DatabaseTarget } from './database-url.ts';

/** One migration folder: `<timestamp>_<name>/migration.sql`. */
export interface Migration {
  readonly name: string;
  readonly sql: string;
  /** sha256 of the file, hex, as Prisma computes it. */
  readonly checksum: string;
}

/** Raised when an already-applied migration's file has changed since it was applied. */
export class MigrationChecksumError extends Error {
  readonly code = 'MIGRATION_CHECKSUM_MISMATCH';
  constructor(readonly migration: string) {
    super(
      `migration ${migration} was modified after it was applied; add a new migration instead of editing an applied one`,
    );
    this.name = 'MigrationChecksumError';
  }
}

/** Raised when a migration's SQL fails; nothing of that migration is left applied. */
export class MigrationFailedError extends Error {
  readonly code = 'MIGRATION_FAILED';
  constructor(
    readonly migration: string,
    cause: unknown,
  ) {
    super(
      `migration ${migration} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'MigrationFailedError';
  }
}

/** The committed migrations folder for a provider. */
export function migrationsDir(provider: DatabaseTarget['provider']): string {
  return join(PROJECT_ROOT, 'prisma', provider === 'sqlite' ? 'migrations' : 'migrations-postgres');
}

/** Reads the migrations in `dir`, oldest first (folder names start with a UTC timestamp). */
export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

export interface MigrateOptions {
  /** Folder of migrations; defaults to the committed one for the URL's provider. */
  readonly dir?: string;
}

export interface MigrateResult {
  /** Names of the migrations applied by this call, in order (empty when up to date). */
  readonly applied: readonly string[];
}

/**
 * Brings the database named by `databaseUrl` up to date. Safe to call on every start and from
 * several processes at once: each migration runs in its own transaction under a lock.
 */
export async function migrate(
  databaseUrl: string,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const target = parseDatabaseUrl(databaseUrl);
  const migrations = readMigrations(options.dir ?? migrationsDir(target.provider));
  return target.provider === 'sqlite'
    ? migrateSqlite(target.file, migrations)
    : migratePostgres(target.url, migrations);
}

// Pending = not recorded as finished; a recorded one whose file changed is an error, never re-run.
function pending(
  migrations: readonly Migration[],
  applied: ReadonlyMap<string, string>,
): Migration[] {
  return migrations.filter((m) => {
    const checksum = applied.get(m.name);
    if (checksum === undefined) return true;
    if (checksum !== m.checksum) throw new MigrationChecksumError(m.name);
    return false;
  });
}

const SQLITE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" TEXT PRIMARY KEY NOT NULL,
  "checksum" TEXT NOT NULL,
  "finished_at" DATETIME,
  "migration_name" TEXT NOT NULL,
  "logs" TEXT,
  "rolled_back_at" DATETIME,
  "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
  "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

function migrateSqlite(file: string, migrations: readonly Migration[]): MigrateResult {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.exec(SQLITE_TABLE);
    // IMMEDIATE takes the write lock up front, so two processes starting together serialize here.
    return db
      .transaction(() => {
        const rows = db
          .prepare(
            'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
          )
          .all() as { migration_name: string; checksum: string }[];
        const todo = pending(migrations, new Map(rows.map((r) => [r.migration_name, r.checksum])));
        const record = db.prepare(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES (?, ?, ?, ?, ?, 1)`,
        );
        for (const m of todo) {
          const startedAt = new Date().toISOString();
          try {
            db.exec(m.sql);
          } catch (error) {
            throw new MigrationFailedError(m.name, error);
          }
          record.run(randomUUID(), m.checksum, m.name, startedAt, new Date().toISOString());
        }
        return { applied: todo.map((m) => m.name) };
      })
      .immediate();
  } finally {
    db.close();
  }
}

const POSTGRES_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

// The same advisory lock key Prisma Migrate uses, so our runner and Prisma's exclude each other.
const POSTGRES_LOCK_KEY = 72707369;

async function migratePostgres(
  url: string,
  migrations: readonly Migration[],
): Promise<MigrateResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [POSTGRES_LOCK_KEY]);
    try {
      await client.query(POSTGRES_TABLE);
      const { rows } = await client.query<{ migration_name: string; checksum: string }>(
        'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      );
      const todo = pending(migrations, new Map(rows.map((r) => [r.migration_name, r.checksum])));
      for (const m of todo) {
        await client.query('BEGIN');
        try {
          const startedAt = new Date();
          await client.query(m.sql);
          await client.query(
            `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
             VALUES ($1, $2, $3, $4, now(), 1)`,
            [randomUUID(), m.checksum, m.name, startedAt],
          );
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw new MigrationFailedError(m.name, error);
        }
      }
      return { applied: todo.map((m) => m.name) };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [POSTGRES_LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}
