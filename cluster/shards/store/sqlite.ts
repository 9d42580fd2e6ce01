import Database from 'better-sqlite3';
import { FencedError, StoreUnavailableError } from '../errors.ts';
import { storeFailure } from './failure.ts';
import { DEFAULT_SQLITE_BUSY_TIMEOUT_MS } from '../constants.ts';
import { validateRegister, validateShard, validateWrite } from './validate.ts';
import type {
  EpochGrant,
  FencedStore,
  HistoryRow,
  RegisterRequest,
  RegisterResult,
  RegisterValue,
  ShardEpoch,
  StoreOptions,
  WriteRequest,
  WriteResult,
} from './types.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_shards (
  shard INTEGER PRIMARY KEY,
  epoch INTEGER NOT NULL,
  node TEXT,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger_epochs (
  shard INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  node TEXT NOT NULL,
  at INTEGER NOT NULL,
  after_seq INTEGER,
  PRIMARY KEY (shard, epoch)
);
CREATE TABLE IF NOT EXISTS ledger_registers (
  key TEXT PRIMARY KEY,
  value INTEGER
);
CREATE TABLE IF NOT EXISTS ledger_counters (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger_history (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  shard INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  node TEXT NOT NULL,
  request_id TEXT NOT NULL UNIQUE,
  key TEXT NOT NULL,
  amount INTEGER NOT NULL,
  value INTEGER NOT NULL,
  committed_at INTEGER NOT NULL
);
`;

/**
 * Stores created before grants recorded their place in the history lack `after_seq`. Several
 * processes may open one file at once: a column another one just added is not an error.
 */
function addAfterSeq(d: Database.Database): void {
  const columns = d.prepare<[], { name: string }>('PRAGMA table_info(ledger_epochs)').all();
  if (columns.some((c) => c.name === 'after_seq')) return;
  try {
    d.exec('ALTER TABLE ledger_epochs ADD COLUMN after_seq INTEGER');
  } catch (err) {
    if (!/duplicate column/i.test((err as Error).message)) throw err;
  }
}

const HISTORY_COLUMNS = `seq, shard, epoch, node, request_id AS requestId, key, amount, value,
  committed_at AS committedAt`;

/** SQLite result codes that mean "someone else holds the database" or "cannot reach the file". */
function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  // better-sqlite3 checks the directory itself and throws a plain TypeError without a code
  if (err instanceof TypeError && /directory does not exist/.test(err.message)) return true;
  if (typeof code !== 'string') return false;
  return /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|PROTOCOL|READONLY|NOTADB|CORRUPT)/.test(code);
}

function wrap<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw storeFailure('sqlite', what, err, isUnavailable);
  }
}

/**
 * The SQLite store. better-sqlite3 is synchronous, so each call holds the event loop for one
 * short transaction; another process's write lock is waited for at most busyTimeoutMs and then
 * reported as StoreUnavailableError. Writes use BEGIN IMMEDIATE so that two processes never
 * deadlock upgrading a read lock.
 */
export function openSqliteStore(path: string, options: StoreOptions = {}): FencedStore {
  const now = options.now ?? Date.now;
  const busy = options.busyTimeoutMs ?? DEFAULT_SQLITE_BUSY_TIMEOUT_MS;
  const unsafeNoFence = options.unsafeNoFence === true;
  const db = wrap('open', () => {
    const d = new Database(path, { timeout: busy });
    d.pragma(`busy_timeout = ${busy}`);
    d.pragma('journal_mode = WAL');
    d.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    d.exec(SCHEMA);
    addAfterSeq(d);
    return d;
  });

  const st = {
    epoch: db.prepare<[number], { epoch: number }>(
      'SELECT epoch FROM ledger_shards WHERE shard = ?',
    ),
    setEpoch: db.prepare(
      `INSERT INTO ledger_shards (shard, epoch, node, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (shard) DO UPDATE SET epoch = excluded.epoch, node = excluded.node,
       updated_at = excluded.updated_at`,
    ),
    logEpoch: db.prepare(
      'INSERT INTO ledger_epochs (shard, epoch, node, at, after_seq) VALUES (?, ?, ?, ?, ?)',
    ),
    // seq is commit order here: SQLite runs one write transaction at a time
    topSeq: db.prepare<[], { seq: number }>(
      'SELECT COALESCE(MAX(seq), 0) AS seq FROM ledger_history',
    ),
    byRequest: db.prepare<[string], HistoryRow>(
      `SELECT ${HISTORY_COLUMNS} FROM ledger_history WHERE request_id = ?`,
    ),
    add: db.prepare<[string, number], { value: number }>(
      `INSERT INTO ledger_counters (key, value) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET value = value + excluded.value RETURNING value`,
    ),
    record: db.prepare(
      `INSERT INTO ledger_history (shard, epoch, node, request_id, key, amount, value, committed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    get: db.prepare<[string], { value: number }>('SELECT value FROM ledger_counters WHERE key = ?'),
    register: db.prepare<[string], { value: number | null }>(
      'SELECT value FROM ledger_registers WHERE key = ?',
    ),
    setRegister: db.prepare(
      `INSERT INTO ledger_registers (key, value) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    ),
  };

  const registerOp = db.transaction((r: RegisterRequest): RegisterResult => {
    const current = st.epoch.get(r.shard)?.epoch ?? 0;
    if (current !== r.epoch && !unsafeNoFence) throw new FencedError(r.shard, r.epoch, current);
    const before: RegisterValue = st.register.get(r.key)?.value ?? null;
    if (r.op === 'cas' && before !== (r.expected ?? null)) return { applied: false, value: before };
    st.setRegister.run(r.key, r.value);
    return { applied: true, value: r.value };
  });

  const bump = db.transaction((shard: number, node: string, expected: number | undefined) => {
    const current = st.epoch.get(shard)?.epoch ?? 0;
    if (expected !== undefined && expected !== current) {
      throw new FencedError(shard, expected, current);
    }
    const next = current + 1;
    const at = now();
    st.setEpoch.run(shard, next, node, at);
    st.logEpoch.run(shard, next, node, at, st.topSeq.get()!.seq);
    return next;
  });

  const commitOne = (w: WriteRequest): WriteResult => {
    const previous = st.byRequest.get(w.requestId);
    if (previous) return { ...previous, replayed: true };
    const current = st.epoch.get(w.shard)?.epoch ?? 0;
    if (current !== w.epoch && !unsafeNoFence) throw new FencedError(w.shard, w.epoch, current);
    const value = st.add.get(w.key, w.amount)!.value;
    const committedAt = now();
    const info = st.record.run(
      w.shard,
      w.epoch,
      w.node,
      w.requestId,
      w.key,
      w.amount,
      value,
      committedAt,
    );
    return {
      seq: Number(info.lastInsertRowid),
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
  };

  // Group commit: writes that arrive in the same turn of the event loop share one transaction
  // (and one WAL append), each checked on its own; a fenced write changes nothing and fails
  // alone, any other failure fails the whole batch, which then committed nothing.
  interface Pending {
    w: WriteRequest;
    resolve: (r: WriteResult) => void;
    reject: (e: unknown) => void;
  }
  let queue: Pending[] = [];
  const commitBatch = db.transaction((batch: Pending[]) =>
    batch.map((p): WriteResult | FencedError => {
      try {
        return commitOne(p.w);
      } catch (err) {
        if (err instanceof FencedError) return err;
        throw err;
      }
    }),
  );
  const flush = (): void => {
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    try {
      const results = wrap('commitWrite', () => commitBatch.immediate(batch));
      results.forEach((r, i) => {
        if (r instanceof FencedError) batch[i]!.reject(r);
        else batch[i]!.resolve(r);
      });
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  };

  let closed = false;
  const open = (): void => {
    if (closed) throw new StoreUnavailableError('store is closed');
  };

  return {
    kind: 'sqlite',
    epochs: () =>
      Promise.resolve().then(() => {
        open();
        return wrap('epochs', () =>
          db
            .prepare<[], ShardEpoch>('SELECT shard, epoch, node FROM ledger_shards ORDER BY shard')
            .all(),
        );
      }),
    epochOf: (shard) =>
      Promise.resolve().then(() => {
        open();
        validateShard(shard);
        return wrap('epochOf', () => st.epoch.get(shard)?.epoch ?? 0);
      }),
    bumpEpoch: (shard, node, expected) =>
      Promise.resolve().then(() => {
        open();
        validateShard(shard);
        return wrap('bumpEpoch', () => bump.immediate(shard, node, expected));
      }),
    commitWrite: (request) =>
      new Promise<WriteResult>((resolve, reject) => {
        open();
        validateWrite(request);
        if (queue.length === 0) setImmediate(flush);
        queue.push({ w: request, resolve, reject });
      }),
    get: (key) =>
      Promise.resolve().then(() => {
        open();
        return wrap('get', () => st.get.get(key)?.value ?? 0);
      }),
    commitRegister: (request) =>
      Promise.resolve().then(() => {
        open();
        validateRegister(request);
        return wrap('commitRegister', () => registerOp.immediate(request));
      }),
    getRegister: (key) =>
      Promise.resolve().then(() => {
        open();
        return wrap('getRegister', () => st.register.get(key)?.value ?? null);
      }),
    counters: () =>
      Promise.resolve().then(() => {
        open();
        const rows = wrap('counters', () =>
          db
            .prepare<[], { key: string; value: number }>('SELECT key, value FROM ledger_counters')
            .all(),
        );
        return Object.fromEntries(rows.map((r) => [r.key, r.value]));
      }),
    history: () =>
      Promise.resolve().then(() => {
        open();
        return wrap('history', () =>
          db
            .prepare<[], HistoryRow>(`SELECT ${HISTORY_COLUMNS} FROM ledger_history ORDER BY seq`)
            .all(),
        );
      }),
    epochLog: () =>
      Promise.resolve().then(() => {
        open();
        return wrap('epochLog', () =>
          db
            .prepare<[], EpochGrant & { afterSeq: number | null }>(
              'SELECT shard, epoch, node, at, after_seq AS afterSeq FROM ledger_epochs ORDER BY shard, epoch',
            )
            .all()
            .map(({ afterSeq, ...g }) => (afterSeq === null ? g : { ...g, afterSeq })),
        );
      }),
    close: () => {
      if (!closed) {
        flush();
        closed = true;
        db.close();
      }
      return Promise.resolve();
    },
  };
}
