/**
 * The advisory locks on the real PostgreSQL (TEST_POSTGRES_URL): one holder at a time, handed
 * over on release and when the holder's connection dies; and the multi-server mode refused on
 * SQLite before anything starts.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { systemClock } from '../clock.ts';
import { startServer } from '../start.ts';
import { freshPostgres, freshSqlite, type TestDatabase } from '../store/testing/databases.ts';
import { ADVISORY_LOCK_CLASS } from './constants.ts';
import { MultiServerNeedsPostgresError } from './errors.ts';
import { clusterWideDrillStart, type DrillStarter } from './drill-lock.ts';
import { JobsLeader, tryAdvisoryLock } from './locks.ts';
import { until } from './testing/servers.ts';

const postgresUrl = inject('postgresUrl');

describe('multi-server locks', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    if (postgresUrl === '') {
      throw new Error('the multi-server lock tests need PostgreSQL: set TEST_POSTGRES_URL');
    }
    db = await freshPostgres(postgresUrl);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('multi-server locks — one holder at a time; free again on release', async () => {
    const first = await tryAdvisoryLock(db.url, 901);
    expect(first).toBeDefined();
    expect(await tryAdvisoryLock(db.url, 901)).toBeUndefined();
    // another key is another lock
    const other = await tryAdvisoryLock(db.url, 902);
    expect(other).toBeDefined();
    await first!.release();
    const second = await tryAdvisoryLock(db.url, 901);
    expect(second).toBeDefined();
    await second!.release();
    await other!.release();
  });

  it('multi-server locks — a leader whose session dies knows it lost the lock; one leads again; a leader that stops hands over', async () => {
    const logs: string[] = [];
    const options = {
      databaseUrl: db.url,
      key: 903,
      clock: systemClock,
      retryMs: 200,
      pingMs: 200,
      what: 'jobs',
    };
    const one = new JobsLeader({ ...options, log: (l) => logs.push(`one: ${l}`) });
    one.start();
    await until('one leads', () => Promise.resolve(one.isLeader() || undefined), 10_000);
    const two = new JobsLeader({ ...options, log: (l) => logs.push(`two: ${l}`) });
    two.start();
    try {
      await new Promise((r) => setTimeout(r, 600));
      expect(two.isLeader()).toBe(false);
      // what a SIGKILL of the holder does: PostgreSQL ends its session
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      try {
        await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_locks
           WHERE locktype = 'advisory' AND classid = $1 AND objid = 903 AND granted`,
          [ADVISORY_LOCK_CLASS],
        );
      } finally {
        await admin.end();
      }
      await until(
        'one notices',
        () => Promise.resolve(logs.some((l) => l.startsWith('one: jobs: lock lost')) || undefined),
        10_000,
      );
      // both retry now; whoever wins, there is exactly one leader again
      await until(
        'one leader again',
        () => Promise.resolve(one.isLeader() !== two.isLeader() || undefined),
        10_000,
      );
      // a leader that stops hands over to the other at its next try
      const [leader, other] = one.isLeader() ? [one, two] : [two, one];
      await leader.close();
      await until('the other leads', () => Promise.resolve(other.isLeader() || undefined), 10_000);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('multi-server locks — a drill starts only while no other server holds the drill lock, and holds it until it ends', async () => {
    const KEY = 904;
    const started: unknown[] = [];
    let end: () => void = () => {};
    const drills: DrillStarter = {
      start: (body) => {
        started.push(body);
        return { id: 'd1', kind: 'split-brain', status: 'running', startedAt: 0 };
      },
      recoverInterrupted: () => Promise.resolve(),
      idle: () => new Promise<void>((resolve) => (end = resolve)),
    };
    const start = clusterWideDrillStart(drills, () => tryAdvisoryLock(db.url, KEY));
    await expect(start({ kind: 'nope' })).rejects.toThrow(/kind must be one of/);
    const elsewhere = await tryAdvisoryLock(db.url, KEY);
    await expect(start({ kind: 'split-brain' })).rejects.toMatchObject({
      code: 'DRILL_RUNNING',
      kind: 'conflict',
    });
    expect(started).toEqual([]);
    await elsewhere!.release();
    await start({ kind: 'split-brain' });
    expect(started).toHaveLength(1);
    // while the drill runs, no other server can start one
    expect(await tryAdvisoryLock(db.url, KEY)).toBeUndefined();
    end();
    const again = await until(
      'the lock is free after the drill',
      () => tryAdvisoryLock(db.url, KEY),
      10_000,
    );
    await again.release();
  });
});

describe('multi-server on SQLite', () => {
  it('multi-server — refused on SQLite before anything starts', async () => {
    const sqlite = freshSqlite();
    try {
      await expect(
        startServer({
          port: 0,
          databaseUrl: sqlite.url,
          adminToken: 'a'.repeat(20),
          agentToken: 'b'.repeat(10),
          dashboard: false,
          multiServer: true,
        }),
      ).rejects.toThrow(MultiServerNeedsPostgresError);
    } finally {
      await sqlite.drop();
    }
  });
});
