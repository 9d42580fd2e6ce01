/**
 * The one place that turns `DATABASE_URL` into a Prisma client: the SQLite client over
 * better-sqlite3 for `file:` URLs, the PostgreSQL client over pg for `postgres://` URLs.
 * Each provider has its own generated client (prisma/generated/{sqlite,postgres}) with the same
 * models, derived from one schema; both are typed as `Db` so callers never care which it is.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PrismaClient } from '../../prisma/generated/sqlite/client.ts';
import { parseDatabaseUrl } from './database-url.ts';

/** The store's Prisma client. The PostgreSQL client has the same models and the same API. */
export type Db = PrismaClient;

/**
 * Opens a new client for `databaseUrl`. Callers own it and must `$disconnect()` it; most code
 * wants the shared `getDb()` instead. The drivers are loaded lazily so that a SQLite deployment
 * never loads pg and vice versa.
 */
export async function openDb(databaseUrl: string): Promise<Db> {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.provider === 'sqlite') {
    mkdirSync(dirname(target.file), { recursive: true });
    const [{ PrismaClient }, { PrismaBetterSqlite3 }] = await Promise.all([
      import('../../prisma/generated/sqlite/client.ts'),
      import('@prisma/adapter-better-sqlite3'),
    ]);
    return new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: target.file }) });
  }
  const [{ PrismaClient }, { PrismaPg }] = await Promise.all([
    import('../../prisma/generated/postgres/client.ts'),
    import('@prisma/adapter-pg'),
  ]);
  // Same models, same query API; only provider-specific extras differ, and we use none of them.
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: target.url }),
  }) as unknown as Db;
}

interface Shared {
  url: string;
  db: Promise<Db>;
}

// On globalThis so that every copy of this module (Next.js bundles route handlers separately,
// and dev mode reloads modules) shares one connection pool per process.
const SHARED = Symbol.for('cluster-observatory.db');
type WithShared = typeof globalThis & { [SHARED]?: Shared };

/** Raised when the process-wide client is requested for a second, different database. */
export class DbAlreadyOpenError extends Error {
  readonly code = 'DB_ALREADY_OPEN';
  constructor(open: string, requested: string) {
    super(`the shared store is already open on ${open}; cannot also open ${requested}`);
    this.name = 'DbAlreadyOpenError';
  }
}

/** The process-wide client for `databaseUrl`, opened on first use. */
export function getDb(databaseUrl: string): Promise<Db> {
  const g = globalThis as WithShared;
  const shared = g[SHARED];
  if (shared !== undefined) {
    if (shared.url !== databaseUrl) throw new DbAlreadyOpenError(shared.url, databaseUrl);
    return shared.db;
  }
  const db = openDb(databaseUrl);
  g[SHARED] = { url: databaseUrl, db };
  return db;
}

/** Disconnects the process-wide client, if any. */
export async function closeDb(): Promise<void> {
  const g = globalThis as WithShared;
  const shared = g[SHARED];
  if (shared === undefined) return;
  delete g[SHARED];
  await (await shared.db).$disconnect();
}
