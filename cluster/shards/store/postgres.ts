/**
 * The fenced store on PostgreSQL (the SQLite one is `sqlite.ts`; both pass `testing/compliance.ts`).
 * Longer than ~400 lines on purpose: every method is one transaction whose SQL and error mapping
 * read together, and splitting them across files would separate a fence from the write it guards.
 */
import pg from 'pg';
import { FencedError, StoreUnavailableError } from '../errors.ts';
import { storeFailure } from './failure.ts';
import { validateRegister, validateShard, validateWrite } from './validate.ts';
import type {
  EpochGrant,
  FencedStore,
  HistoryRow,
  RegisterResult,
  ShardEpoch,
  StoreOptions,
  WriteRequest,
  WriteResult,
} from './types.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_shards (
  shard INTEGER PRIMARY KEY,
  epoch BIGINT NOT NULL,
  node TEXT,
  updated_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger_epochs (
  shard INTEGER NOT NULL,
  epoch BIGINT NOT NULL,
  node TEXT NOT NULL,
  at BIGINT NOT NULL,
  after_seq BIGINT,
  PRIMARY KEY (shard, epoch)
);
-- stores created before grants recorded their place in the history
ALTER TABLE ledger_epochs ADD COLUMN IF NOT EXISTS after_seq BIGINT;
CREATE TABLE IF NOT EXISTS ledger_registers (
  key TEXT PRIMARY KEY,
  value BIGINT
);
CREATE TABLE IF NOT EXISTS ledger_counters (
  key TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger_history (
  seq BIGSERIAL PRIMARY KEY,
  shard INTEGER NOT NULL,
  epoch BIGINT NOT NULL,
  node TEXT NOT NULL,
  request_id TEXT NOT NULL UNIQUE,
  key TEXT NOT NULL,
  amount BIGINT NOT NULL,
  value BIGINT NOT NULL,
  committed_at BIGINT NOT NULL
);
`;

// any constant: serializes concurrent schema creation by several processes
const SCHEMA_LOCK_ID = 0x1ed6e4;

const HISTORY_COLUMNS = `seq, shard, epoch, node, request_id AS "requestId", key, amount, value,
  committed_at AS "committedAt"`;

interface RawHistory {
  seq: string;
  shard: number;
  epoch: string;
  node: string;
  requestId: string;
  key: string;
  amount: string;
  value: string;
  committedAt: string;
}

const toHistory = (r: RawHistory): HistoryRow => ({
  seq: Number(r.seq),
  shard: r.shard,
  epoch: Number(r.epoch),
  node: r.node,
  requestId: r.requestId,
  key: r.key,
  amount: Number(r.amount),
  value: Number(r.value),
  committedAt: Number(r.committedAt),
});

/**
 * SQLSTATE classes that mean the database could not do the work now (connection, resources,
 * lock/serialization, shutdown), plus socket errors: all retryable, nothing committed.
 */
function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') {
    return err instanceof Error && /timeout|terminated|Connection/i.test(err.message);
  }
  return (
    /^(08|53|57|58|40)/.test(code) ||
    code === '55P03' ||
    /^E(CONNREFUSED|CONNRESET|PIPE|HOSTUNREACH|NOTFOUND|TIMEDOUT)$/.test(code)
  );
}

async function wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw storeFailure('postgres', what, err, isUnavailable);
  }
}

/**
 * The PostgreSQL store. Every write locks its shard's row (SELECT … FOR UPDATE) before checking
 * the request id and the epoch, so writes to one shard and epoch bumps serialize, and history
 * sequence numbers of one shard follow commit order.
 */
export function openPostgresStore(url: string, options: StoreOptions = {}): FencedStore {
  const now = options.now ?? Date.now;
  const timeout = options.timeoutMs ?? 2_000;
  const unsafeNoFence = options.unsafeNoFence === true;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: timeout,
    lock_timeout: timeout,
    statement_timeout: timeout * 5,
  });
  // an idle client losing its connection must not crash the process; the next query reports it
  pool.on('error', () => undefined);

  let ready: Promise<void> | null = null;
  const init = (): Promise<void> =>
    (ready ??= tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_ID]);
      await c.query(SCHEMA);
    }).catch((err: unknown) => {
      ready = null; // retry the schema on the next call
      throw err;
    }));

  async function tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  let closed = false;
  const run = <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new StoreUnavailableError('store is closed'));
    return wrap(what, async () => {
      await init();
      return fn();
    });
  };

  const lockShard = async (c: pg.PoolClient, shard: number, at: number): Promise<number> => {
    // make sure the row exists so that FOR UPDATE has something to lock
    await c.query(
      `INSERT INTO ledger_shards (shard, epoch, node, updated_at) VALUES ($1, 0, NULL, $2)
       ON CONFLICT (shard) DO NOTHING`,
      [shard, at],
    );
    const r = await c.query<{ epoch: string }>(
      'SELECT epoch FROM ledger_shards WHERE shard = $1 FOR UPDATE',
      [shard],
    );
    return Number(r.rows[0]?.epoch ?? 0);
  };

  const commitOnce = (w: WriteRequest): Promise<WriteResult> =>
    tx(async (c) => {
      const current = await lockShard(c, w.shard, now());
      const prev = await c.query<RawHistory>(
        `SELECT ${HISTORY_COLUMNS} FROM ledger_history WHERE request_id = $1`,
        [w.requestId],
      );
      if (prev.rows[0]) return { ...toHistory(prev.rows[0]), replayed: true };
      if (current !== w.epoch && !unsafeNoFence) throw new FencedError(w.shard, w.epoch, current);
      const v = await c.query<{ value: string }>(
        `INSERT INTO ledger_counters (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = ledger_counters.value + excluded.value
         RETURNING value`,
        [w.key, w.amount],
      );
      const value = Number(v.rows[0]!.value);
      const committedAt = now();
      const h = await c.query<{ seq: string }>(
        `INSERT INTO ledger_history (shard, epoch, node, request_id, key, amount, value, committed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq`,
        [w.shard, w.epoch, w.node, w.requestId, w.key, w.amount, value, committedAt],
      );
      return {
        seq: Number(h.rows[0]!.seq),
        shard: w.shard,
        epoch: w.epoch,
        node: w.node,
        requestId: w.requestId,
        key: w.key,
        amount: w.amount,
        value,
        committedAt,
        replayed: false,
      };
    });

  /**
   * Group commit: the writes that arrive while a batch is in flight go together in the next
   * transaction (one commit, one WAL flush). Shard rows are locked in shard order, so batches of
   * different nodes cannot deadlock; each write is still judged on its own (replay, fence).
   */
  const commitBatch = (batch: readonly WriteRequest[]): Promise<(WriteResult | FencedError)[]> =>
    tx(async (c) => {
      const at = now();
      const shards = [...new Set(batch.map((w) => w.shard))].sort((a, b) => a - b);
      await c.query(
        `INSERT INTO ledger_shards (shard, epoch, node, updated_at)
         SELECT s, 0, NULL, $2 FROM unnest($1::int[]) AS s ON CONFLICT (shard) DO NOTHING`,
        [shards, at],
      );
      const locked = await c.query<{ shard: number; epoch: string }>(
        'SELECT shard, epoch FROM ledger_shards WHERE shard = ANY($1::int[]) ORDER BY shard FOR UPDATE',
        [shards],
      );
      const epochs = new Map(locked.rows.map((r) => [r.shard, Number(r.epoch)]));
      const prev = await c.query<RawHistory>(
        `SELECT ${HISTORY_COLUMNS} FROM ledger_history WHERE request_id = ANY($1::text[])`,
        [batch.map((w) => w.requestId)],
      );
      const done = new Map(prev.rows.map((r) => [r.requestId, toHistory(r)]));
      // judge each write on its own; a request id repeated inside the batch is a replay of the
      // first copy, settled once that one is inserted
      const out: (WriteResult | FencedError | string)[] = [];
      const accepted: WriteRequest[] = [];
      const inBatch = new Set<string>();
      for (const w of batch) {
        const before = done.get(w.requestId);
        if (before) out.push({ ...before, replayed: true });
        else if (inBatch.has(w.requestId)) out.push(w.requestId);
        else if ((epochs.get(w.shard) ?? 0) !== w.epoch && !unsafeNoFence)
          out.push(new FencedError(w.shard, w.epoch, epochs.get(w.shard) ?? 0));
        else {
          inBatch.add(w.requestId);
          accepted.push(w);
          out.push(w.requestId);
        }
      }
      if (accepted.length === 0) return out.map((r) => r as WriteResult | FencedError);
      // One statement for the whole batch: each key's counter moves by the batch's sum, and each
      // history row records the old value plus the running sum up to it, in batch order (the
      // order seq is assigned in, so the checker's per-key value chain holds).
      const committedAt = now();
      const r = await c.query<{ seq: string; requestId: string; value: string }>(
        `WITH input AS (
           SELECT * FROM unnest($1::int[], $2::bigint[], $3::text[], $4::text[], $5::text[],
             $6::bigint[]) WITH ORDINALITY AS t(shard, epoch, node, request_id, key, amount, ord)),
         upd AS (
           INSERT INTO ledger_counters (key, value)
           SELECT key, sum(amount) FROM input GROUP BY key
           ON CONFLICT (key) DO UPDATE SET value = ledger_counters.value + excluded.value
           RETURNING key, value),
         rows AS (
           SELECT i.*, u.value - sum(i.amount) OVER (PARTITION BY i.key)
             + sum(i.amount) OVER (PARTITION BY i.key ORDER BY i.ord ROWS UNBOUNDED PRECEDING)
             AS after
           FROM input i JOIN upd u ON u.key = i.key)
         INSERT INTO ledger_history (shard, epoch, node, request_id, key, amount, value, committed_at)
         SELECT shard, epoch, node, request_id, key, amount, after, $7 FROM rows ORDER BY ord
         RETURNING seq, request_id AS "requestId", value`,
        [
          accepted.map((w) => w.shard),
          accepted.map((w) => w.epoch),
          accepted.map((w) => w.node),
          accepted.map((w) => w.requestId),
          accepted.map((w) => w.key),
          accepted.map((w) => w.amount),
          committedAt,
        ],
      );
      const byId = new Map(accepted.map((w) => [w.requestId, w]));
      const results = new Map<string, WriteResult>();
      for (const row of r.rows) {
        const w = byId.get(row.requestId)!;
        results.set(row.requestId, {
          seq: Number(row.seq),
          shard: w.shard,
          epoch: w.epoch,
          node: w.node,
          requestId: w.requestId,
          key: w.key,
          amount: w.amount,
          value: Number(row.value),
          committedAt,
          replayed: false,
        });
      }
      const first = new Set<string>();
      return out.map((o) => {
        if (typeof o !== 'string') return o;
        const result = results.get(o)!;
        if (first.has(o)) return { ...result, replayed: true };
        first.add(o);
        return result;
      });
    });

  interface Pending {
    w: WriteRequest;
    resolve: (r: WriteResult) => void;
    reject: (e: unknown) => void;
  }
  let queue: Pending[] = [];
  let flushing = false;
  const MAX_BATCH = 500;
  const flush = async (): Promise<void> => {
    if (flushing) return;
    flushing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, MAX_BATCH);
        queue = queue.slice(batch.length);
        try {
          const results = await wrap('commitWrite', async () => {
            await init();
            return commitBatch(batch.map((p) => p.w));
          });
          results.forEach((r, i) => {
            if (r instanceof FencedError) batch[i]!.reject(r);
            else batch[i]!.resolve(r);
          });
        } catch (err) {
          if (
            (err as { cause?: { code?: unknown } }).cause?.code === '23505' ||
            (err as { code?: unknown }).code === '23505'
          ) {
            // a request id raced with another process's batch: settle each write on its own
            for (const p of batch) {
              wrap('commitWrite', () => commitOnce(p.w)).then(p.resolve, (e: unknown) =>
                p.reject(e),
              );
            }
          } else for (const p of batch) p.reject(err);
        }
      }
    } finally {
      flushing = false;
    }
  };

  return {
    kind: 'postgres',
    epochs: () =>
      run('epochs', async () => {
        const r = await pool.query<{ shard: number; epoch: string; node: string | null }>(
          'SELECT shard, epoch, node FROM ledger_shards ORDER BY shard',
        );
        return r.rows.map((x): ShardEpoch => ({
          shard: x.shard,
          epoch: Number(x.epoch),
          node: x.node,
        }));
      }),
    epochOf: (shard) =>
      run('epochOf', async () => {
        validateShard(shard);
        const r = await pool.query<{ epoch: string }>(
          'SELECT epoch FROM ledger_shards WHERE shard = $1',
          [shard],
        );
        return Number(r.rows[0]?.epoch ?? 0);
      }),
    bumpEpoch: (shard, node, expected) =>
      run('bumpEpoch', () => {
        validateShard(shard);
        return tx(async (c) => {
          const at = now();
          const current = await lockShard(c, shard, at);
          if (expected !== undefined && expected !== current) {
            throw new FencedError(shard, expected, current);
          }
          const next = current + 1;
          await c.query(
            'UPDATE ledger_shards SET epoch = $2, node = $3, updated_at = $4 WHERE shard = $1',
            [shard, next, node, at],
          );
          // under the shard's row lock, which every write of this shard takes before it inserts:
          // its writes committed so far have seq <= this, later ones draw a higher seq
          await c.query(
            `INSERT INTO ledger_epochs (shard, epoch, node, at, after_seq)
             SELECT $1, $2, $3, $4, COALESCE(MAX(seq), 0) FROM ledger_history`,
            [shard, next, node, at],
          );
          return next;
        });
      }),
    commitWrite: (request) =>
      new Promise<WriteResult>((resolve, reject) => {
        if (closed) throw new StoreUnavailableError('store is closed');
        validateWrite(request);
        queue.push({ w: request, resolve, reject });
        void flush();
      }),
    get: (key) =>
      run('get', async () => {
        const r = await pool.query<{ value: string }>(
          'SELECT value FROM ledger_counters WHERE key = $1',
          [key],
        );
        return Number(r.rows[0]?.value ?? 0);
      }),
    commitRegister: (request) =>
      run('commitRegister', () => {
        validateRegister(request);
        // under the shard's row lock, like a ledger write: bumps and writes of a shard serialize
        return tx(async (c): Promise<RegisterResult> => {
          const current = await lockShard(c, request.shard, now());
          if (current !== request.epoch && !unsafeNoFence)
            throw new FencedError(request.shard, request.epoch, current);
          const r = await c.query<{ value: string | null }>(
            'SELECT value FROM ledger_registers WHERE key = $1 FOR UPDATE',
            [request.key],
          );
          const before = r.rows[0]
            ? r.rows[0].value === null
              ? null
              : Number(r.rows[0].value)
            : null;
          if (request.op === 'cas' && before !== (request.expected ?? null))
            return { applied: false, value: before };
          await c.query(
            `INSERT INTO ledger_registers (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
            [request.key, request.value],
          );
          return { applied: true, value: request.value };
        });
      }),
    getRegister: (key) =>
      run('getRegister', async () => {
        const r = await pool.query<{ value: string | null }>(
          'SELECT value FROM ledger_registers WHERE key = $1',
          [key],
        );
        const v = r.rows[0]?.value;
        return v === undefined || v === null ? null : Number(v);
      }),
    counters: () =>
      run('counters', async () => {
        const r = await pool.query<{ key: string; value: string }>(
          'SELECT key, value FROM ledger_counters',
        );
        return Object.fromEntries(r.rows.map((x) => [x.key, Number(x.value)]));
      }),
    history: () =>
      run('history', async () => {
        const r = await pool.query<RawHistory>(
          `SELECT ${HISTORY_COLUMNS} FROM ledger_history ORDER BY seq`,
        );
        return r.rows.map(toHistory);
      }),
    epochLog: () =>
      run('epochLog', async () => {
        const r = await pool.query<{
          shard: number;
          epoch: string;
          node: string;
          at: string;
          after_seq: string | null;
        }>('SELECT shard, epoch, node, at, after_seq FROM ledger_epochs ORDER BY shard, epoch');
        return r.rows.map((x): EpochGrant => ({
          shard: x.shard,
          epoch: Number(x.epoch),
          node: x.node,
          at: Number(x.at),
          ...(x.after_seq === null ? {} : { afterSeq: Number(x.after_seq) }),
        }));
      }),
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
