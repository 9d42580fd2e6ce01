import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../store/client.ts';
import { migrate } from '../store/migrate.ts';
import { testBackends, type TestDatabase } from '../store/testing/databases.ts';
import { DrillStore, fromRow, toRow, type DrillRecord } from './drill-store.ts';

const backends = testBackends();

const REPORT = {
  verdict: 'fail',
  drill: 'split-brain',
  writesAcked: 456,
  violations: [{ kind: 'double_write', detail: 'r-1 twice' }],
  timeline: [{ phase: 'start', atMs: 0 }],
};

function finished(id: string, startedAt: number): DrillRecord {
  return {
    id,
    kind: 'split-brain',
    nodes: 5,
    status: 'failed',
    startedAt,
    finishedAt: startedAt + 15_000,
    lastProgress: { phase: 'done', at: startedAt + 15_000, verdict: 'fail' },
    report: REPORT,
    error: 'expectation failed',
  };
}

/** Counts transactions, i.e. store writes (every save goes through one). */
function counting(db: Db): { db: Db; writes: () => number } {
  let writes = 0;
  const proxy = new Proxy(db, {
    get(target, key, receiver) {
      if (key === '$transaction') {
        return (...args: Parameters<Db['$transaction']>) => {
          writes++;
          return target.$transaction(...args);
        };
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { db: proxy, writes: () => writes };
}

describe.each(backends)('drill store on $name', ({ create }) => {
  let database: TestDatabase;
  let db: Db;

  beforeEach(async () => {
    database = await create();
    await migrate(database.url);
    db = await openDb(database.url);
  });
  afterEach(async () => {
    await db?.$disconnect();
    await database?.drop();
  });

  it('drill store — a run round-trips with its options, progress, report and error', async () => {
    const store = new DrillStore(db);
    const record = finished('d-1', Date.parse('2026-11-26T10:00:00.123Z'));
    store.save(record);
    await store.flush();
    expect(await store.get('d-1')).toEqual(record);
    expect(await store.get('d-2')).toBeUndefined();
    expect(await db.drillRun.findUniqueOrThrow({ where: { id: 'd-1' } })).toMatchObject({
      options: '{"nodes":5}',
      state: 'failed',
      verdict: 'fail',
    });
    // a second server process reads the same run
    const other = await openDb(database.url);
    try {
      expect(await new DrillStore(other).list(10)).toEqual([record]);
    } finally {
      await other.$disconnect();
    }
  });

  it('drill store — saves made while a write is in flight collapse into one write', async () => {
    const { db: counted, writes } = counting(db);
    const store = new DrillStore(counted);
    const base: DrillRecord = { id: 'd-1', kind: 'pause', status: 'running', startedAt: 1_000 };
    store.save(base);
    for (let i = 1; i <= 50; i++) store.save({ ...base, progress: `load · ${i} writes` });
    await store.flush();
    expect(writes()).toBe(1);
    expect((await store.get('d-1'))?.progress).toBe('load · 50 writes');
    await store.flush();
    expect(writes()).toBe(1);
  });

  it('drill store — lists newest first and keeps only the newest runs at a drill end', async () => {
    const deleted: string[] = [];
    const store = new DrillStore(db, {
      keep: 3,
      onDeleted: (ids) => Promise.resolve(void deleted.push(...ids)),
    });
    for (let i = 0; i < 5; i++) store.save(finished(`d-${i}`, 1_000 + i));
    await store.flush();
    expect((await store.list(10)).map((r) => r.id)).toEqual(['d-4', 'd-3', 'd-2', 'd-1', 'd-0']);
    store.save(finished('d-5', 1_005), { prune: true });
    await store.flush();
    expect((await store.list(10)).map((r) => r.id)).toEqual(['d-5', 'd-4', 'd-3']);
    // their history files go with them
    expect(deleted.sort()).toEqual(['d-0', 'd-1', 'd-2']);
    expect((await store.list(2)).map((r) => r.id)).toEqual(['d-5', 'd-4']);
  });

  it('drill store — recover marks only running runs interrupted, with the phase they reached', async () => {
    const store = new DrillStore(db);
    store.save({
      id: 'running',
      kind: 'node-loss',
      status: 'running',
      startedAt: 1_000,
      progress: 'failover · 12 writes, 12 acked',
    });
    store.save({ id: 'starting', kind: 'pause', status: 'running', startedAt: 2_000 });
    store.save(finished('done', 500));
    await store.flush();

    const next = new DrillStore(db);
    const interrupted = await next.recover(9_000, 'the server died');
    expect(interrupted.map((r) => r.id).sort()).toEqual(['running', 'starting']);
    expect(await next.get('running')).toEqual({
      id: 'running',
      kind: 'node-loss',
      status: 'interrupted',
      startedAt: 1_000,
      finishedAt: 9_000,
      error: 'the server died (during failover · 12 writes, 12 acked)',
    });
    expect(await next.get('starting')).toMatchObject({
      status: 'interrupted',
      error: 'the server died',
    });
    expect(await next.get('done')).toEqual(finished('done', 500));
    expect(await next.recover(10_000, 'again')).toEqual([]);
  });

  it('drill store — a failed write is logged and retried by the next flush', async () => {
    const lines: string[] = [];
    const store = new DrillStore(db, { log: (l) => lines.push(l) });
    await db.$executeRawUnsafe('ALTER TABLE "DrillRun" RENAME TO "DrillRunAway"');
    store.save(finished('d-1', 1_000));
    await store.flush();
    expect(lines.join('\n')).toMatch(/1 run\(s\) not stored/);
    await db.$executeRawUnsafe('ALTER TABLE "DrillRunAway" RENAME TO "DrillRun"');
    await store.flush();
    expect(await store.get('d-1')).toEqual(finished('d-1', 1_000));
  });
});

describe('drill store — rows', () => {
  it('drill store — unreadable JSON columns are left out, not fatal', () => {
    const row = { ...toRow(finished('d-1', 1_000)), report: '{broken', lastProgress: '[1]' };
    const record = fromRow(row);
    expect(record.report).toBeUndefined();
    expect(record.lastProgress).toBeUndefined();
    expect(record.error).toBe('expectation failed');
  });
});
