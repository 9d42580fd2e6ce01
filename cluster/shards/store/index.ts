import { BadArgumentError } from '../errors.ts';
import { openPostgresStore } from './postgres.ts';
import { openSqliteStore } from './sqlite.ts';
import type { FencedStore, StoreOptions } from './types.ts';

export type * from './types.ts';
export { openSqliteStore } from './sqlite.ts';
export { openPostgresStore } from './postgres.ts';

/**
 * Opens the store named by `url`: `postgres://…` or `postgresql://…` is PostgreSQL; `file:path`
 * or a plain path is a SQLite file (created if missing). Throws BadArgumentError otherwise.
 */
export function openStore(url: string, options: StoreOptions = {}): FencedStore {
  if (/^postgres(ql)?:\/\//i.test(url)) return openPostgresStore(url, options);
  if (url.startsWith('file:')) {
    const path = url.slice('file:'.length).replace(/^\/\/(?=\/)/, '');
    if (path.length === 0) throw new BadArgumentError('file: URL without a path');
    return openSqliteStore(path, options);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new BadArgumentError(`unsupported store URL scheme in ${JSON.stringify(url)}`);
  }
  if (url.length === 0) throw new BadArgumentError('empty store URL');
  return openSqliteStore(url, options);
}
