import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { StoreUnavailableError } from '../errors.ts';
import { storeCompliance } from './testing/compliance.ts';
import { openStore } from './index.ts';

const url = inject('postgresUrl');

describe('store/postgres — selection and reachability', () => {
  it('store/postgres — a postgres:// URL opens PostgreSQL; an unreachable one is store_unavailable', async () => {
    // port 1 on loopback refuses at once
    const store = openStore('postgres://nobody:x@127.0.0.1:1/none', { timeoutMs: 500 });
    expect(store.kind).toBe('postgres');
    const err = await store.epochOf(0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    await store.close();
  });

  it('store/postgres — unknown URL schemes are rejected with a clear error', () => {
    expect(() => openStore('mysql://x/y')).toThrow(/unsupported store URL scheme/);
  });
});

if (url !== '') {
  storeCompliance('store/postgres', async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(
      'DROP TABLE IF EXISTS ledger_shards, ledger_epochs, ledger_counters, ledger_history, ledger_registers',
    );
    await c.end();
    return openStore(url);
  });
}
