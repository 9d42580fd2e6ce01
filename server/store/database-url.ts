import { isAbsolute, resolve } from 'node:path';

/** Where the store lives, as decided by `DATABASE_URL`. */
export type DatabaseTarget =
  | { readonly provider: 'sqlite'; /** absolute path of the SQLite file */ readonly file: string }
  | { readonly provider: 'postgresql'; readonly url: string };

/** Raised for a `DATABASE_URL` that names neither a SQLite file nor a PostgreSQL server. */
export class UnsupportedDatabaseUrlError extends Error {
  readonly code = 'DATABASE_URL_UNSUPPORTED';
  constructor(url: string) {
    super(`unsupported DATABASE_URL ${JSON.stringify(url)}: use file:<path> or postgres://…`);
    this.name = 'UnsupportedDatabaseUrlError';
  }
}

/**
 * Parses `DATABASE_URL`. A relative SQLite path (`file:./data/x.db`) is resolved against `cwd`,
 * as Prisma does, so every process that shares a working directory shares the file.
 */
export function parseDatabaseUrl(url: string, cwd: string = process.cwd()): DatabaseTarget {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return { provider: 'postgresql', url };
  }
  if (url.startsWith('file:')) {
    const path = url.slice('file:'.length).replace(/\?.*$/, '');
    if (path === '') throw new UnsupportedDatabaseUrlError(url);
    return { provider: 'sqlite', file: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  throw new UnsupportedDatabaseUrlError(url);
}
