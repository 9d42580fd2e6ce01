import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../errors.ts';
import { storeCompliance } from './testing/compliance.ts';
import { openSqliteStore } from './sqlite.ts';
import { openStore } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'shards-store-'));
let n = 0;
const freshPath = (): string => join(dir, `ledger-${process.pid}-${n++}.db`);
const children = new Set<number>();

afterAll(() => {
  for (const pid of children) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

storeCompliance('store/sqlite', () => Promise.resolve(openSqliteStore(freshPath())));

describe('store/sqlite — locking, reachability and sharing', () => {
  it('store/sqlite — opens in WAL mode and is chosen for file: URLs and plain paths', async () => {
    const path = freshPath();
    const s1 = openStore(`file:${path}`);
    const s2 = openStore(path);
    expect(s1.kind).toBe('sqlite');
    await s1.bumpEpoch(1, 'a');
    expect(await s2.epochOf(1)).toBe(1);
    await Promise.all([s1.close(), s2.close()]);
    const raw = new Database(path);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('store/sqlite — a database locked by another connection is store_unavailable, then recovers', async () => {
    const path = freshPath();
    const store = openSqliteStore(path, { busyTimeoutMs: 50 });
    await store.bumpEpoch(0, 'a');
    const other = new Database(path);
    other.exec('BEGIN EXCLUSIVE');
    const w = { shard: 0, epoch: 1, node: 'a', requestId: 'r1', key: 'k', amount: 1 };
    const err = await store.commitWrite(w).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as StoreUnavailableError).retryable).toBe(true);
    other.exec('ROLLBACK');
    other.close();
    expect((await store.commitWrite(w)).value).toBe(1);
    await store.close();
  });

  it('store/sqlite — an unreachable path is store_unavailable at open', () => {
    expect(() => openSqliteStore(join(dir, 'missing-dir', 'x.db'))).toThrow(StoreUnavailableError);
  });

  it('store/sqlite — two processes racing on one file never commit under a stale epoch', async () => {
    const path = freshPath();
    openSqliteStore(path)
      .close()
      .catch(() => undefined); // create the schema before the race
    const script = fileURLToPath(new URL('./fixtures/race-child.ts', import.meta.url));
    const runChild = (node: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script, path, node, '30'], {
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        if (child.pid !== undefined) children.add(child.pid);
        let out = '';
        let errText = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (errText += d.toString()));
        child.on('exit', (code) => {
          if (child.pid !== undefined) children.delete(child.pid);
          if (code === 0) resolve(out);
          else reject(new Error(`child ${node} exited ${code}: ${errText}`));
        });
      });
    const outs = await Promise.all([runChild('p1'), runChild('p2')]);
    const reports = outs.map(
      (o) =>
        JSON.parse(o) as {
          node: string;
          acked: { requestId: string; amount: number }[];
          fenced: number;
        },
    );
    const store = openSqliteStore(path);
    const history = await store.history();
    const counters = await store.counters();
    const log = await store.epochLog();
    await store.close();

    // every acknowledged write is in the history, and nothing else is
    const acked = reports.flatMap((r) => r.acked.map((a) => a.requestId)).sort();
    expect(history.map((h) => h.requestId).sort()).toEqual(acked);
    // counters equal the sum of acknowledged amounts
    const total = Object.values(counters).reduce((a, b) => a + b, 0);
    expect(total).toBe(acked.length);
    // every write was made by the node that took its epoch, and epochs never go back per shard
    const owner = new Map(log.map((g) => [`${g.shard}/${g.epoch}`, g.node]));
    const last = new Map<number, number>();
    for (const h of history) {
      expect(owner.get(`${h.shard}/${h.epoch}`)).toBe(h.node);
      expect(h.epoch).toBeGreaterThanOrEqual(last.get(h.shard) ?? 0);
      last.set(h.shard, h.epoch);
    }
    expect(acked.length + reports.reduce((a, r) => a + r.fenced, 0)).toBe(600);
  });
});

describe('store/sqlite — upgrade', () => {
  it('store/sqlite — a store from before grants recorded afterSeq gains the column and keeps its grants', async () => {
    const path = freshPath();
    const old = new Database(path);
    old.exec(
      'CREATE TABLE ledger_epochs (shard INTEGER NOT NULL, epoch INTEGER NOT NULL, node TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (shard, epoch))',
    );
    old.prepare('INSERT INTO ledger_epochs VALUES (1, 1, ?, 5)').run('a@h');
    old.close();
    const store = openSqliteStore(path);
    try {
      // the old shards table has no row for shard 1, so the next epoch restarts: only the log matters
      await store.bumpEpoch(2, 'b@h');
      expect(await store.epochLog()).toEqual([
        { shard: 1, epoch: 1, node: 'a@h', at: 5 },
        expect.objectContaining({ shard: 2, epoch: 1, node: 'b@h', afterSeq: 0 }),
      ]);
    } finally {
      await store.close();
    }
  });
});
