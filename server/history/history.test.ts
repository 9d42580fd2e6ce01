import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSketch, deserializeSketch } from '../../protocol/sketch.ts';
import { historyQuerySchema } from '../../protocol/http.ts';
import { frame, snapshot } from '../model/testing/fixtures.ts';
import { openDb, type Db } from '../store/client.ts';
import { migrate } from '../store/migrate.ts';
import { testBackends, type TestDatabase } from '../store/testing/databases.ts';
import { History } from './history.ts';
import { storedRollups } from './testing/stored-rollups.ts';

const backends = testBackends();

/** 2026-01-01T00:00:00Z, on a minute boundary */
const T0 = 1_767_225_600;

describe.each(backends)('history on $name', ({ create }) => {
  let database: TestDatabase;
  let db: Db;
  let now = T0 * 1000;
  let history: History;

  beforeAll(async () => {
    database = await create();
    await migrate(database.url);
    db = await openDb(database.url);
  });

  afterAll(async () => {
    await db?.$disconnect();
    await database?.drop();
  });

  beforeEach(async () => {
    await db.rawSnapshot.deleteMany();
    await db.rollupBucket.deleteMany();
    await db.event.deleteMany();
    await db.agentCursor.deleteMany();
    await db.controlAudit.deleteMany();
    now = T0 * 1000;
    history = new History(db, { now: () => now, config: { flushIntervalMs: 5 } });
  });

  /** `n` snapshots of node a, one a second from T0, each with 10 frames of `size(i)` bytes. */
  async function feed(n: number, size: (i: number) => number, firstSeq = 1) {
    const list = Array.from({ length: n }, (_, i) =>
      snapshot('a', firstSeq + i, {
        t: T0 + firstSeq - 1 + i,
        frames: [frame('b', 'rpc', 10, size(firstSeq - 1 + i))],
      }),
    );
    await history.persist(list, now);
  }

  it('history — stores snapshots, remembers the highest seq per (node, bootId), and their events', async () => {
    const nodedown = {
      type: 'nodedown' as const,
      at: T0 * 1000 + 5,
      node: 'b',
      hidden: false,
      reason: 'timeout',
    };
    await Promise.all([
      history.persist([snapshot('a', 1), snapshot('a', 2, { events: [nodedown] })], now),
      history.persist([snapshot('c', 7)], now),
    ]);
    expect(await history.storedSeq('a', 'boot-a')).toBe(2);
    expect(await history.storedSeq('c', 'boot-c')).toBe(7);
    expect(await history.storedSeq('a', 'other-boot')).toBeNull();
    expect(await db.rawSnapshot.count()).toBe(3);
    const { events } = await history.events(eventsQuery({}));
    expect(events.map((e) => [e.node, e.event.type])).toEqual([['a', 'nodedown']]);
    expect(events[0]?.event).toEqual(nodedown);
  });

  it('history — 10 s and 1 min rollups merge sketches exactly and answer the same as raw data', async () => {
    await feed(120, (i) => (i % 10) * 100 + 1);
    now = (T0 + 200) * 1000;
    expect(await history.rollup()).toBe(12 + 2);
    const raw = await history.history(
      q({ from: T0 * 1000, to: (T0 + 120) * 1000, resolution: '1' }),
    );
    const tens = await history.history(
      q({ from: T0 * 1000, to: (T0 + 120) * 1000, resolution: '10' }),
    );
    const mins = await history.history(
      q({ from: T0 * 1000, to: (T0 + 120) * 1000, resolution: '60' }),
    );
    expect(raw.series[0]?.points).toHaveLength(120);
    expect(tens.series[0]?.points).toHaveLength(12);
    expect(mins.series[0]?.points).toHaveLength(2);
    // The minute's p95 is the p95 of every frame of the minute, not an average of p95s.
    const exact = createSketch();
    for (let i = 0; i < 60; i++) exact.add((i % 10) * 100 + 1, 10);
    expect(mins.series[0]?.points[0]).toMatchObject({
      t: T0 * 1000,
      msgPerSec: 10,
      p95: exact.quantile(0.95),
    });
    const stored = (await storedRollups(db, 60)).find((r) => r.t === T0 && r.direction === 'out');
    expect(deserializeSketch(stored!.sketch).count).toBe(600);
  });

  it('history — the newest, not yet rolled buckets are answered from raw rows', async () => {
    await feed(30, () => 100);
    now = (T0 + 30) * 1000;
    await history.rollup();
    const tens = await history.history(
      q({ from: T0 * 1000, to: (T0 + 30) * 1000, resolution: '10' }),
    );
    expect(tens.series[0]?.points.map((p) => p.msgPerSec)).toEqual([10, 10, 10]);
  });

  it('history — a late snapshot re-rolls its bucket', async () => {
    await feed(5, () => 100);
    now = (T0 + 60) * 1000;
    await history.rollup();
    await feed(5, () => 100, 6);
    await history.rollup();
    const tens = await history.history(
      q({ from: T0 * 1000, to: (T0 + 10) * 1000, resolution: '10' }),
    );
    expect(tens.series[0]?.points[0]?.msgPerSec).toBe(10);
  });

  it('history — retention deletes raw after 1 h, 10 s rollups after 24 h, keeps 1 min rollups', async () => {
    await feed(20, () => 100);
    now = (T0 + 120) * 1000;
    await history.rollup();
    await history.audit({
      id: 'x',
      at: now,
      action: 'heal',
      phase: 'result',
      request: {},
      ok: true,
      result: [],
    });
    now = (T0 + 2 * 3600) * 1000;
    expect(await history.retention()).toMatchObject({ raw: 20, rollup10: 0, rollup60: 0 });
    now = (T0 + 25 * 3600) * 1000;
    const gone = await history.retention();
    expect(gone.rollup10).toBeGreaterThan(0);
    expect(gone.rollup60).toBe(0);
    expect((await storedRollups(db, 60)).length).toBeGreaterThan(0);
    expect(await history.auditLog()).toHaveLength(1);
  });

  it('history — the stored seq survives raw retention through the cursor', async () => {
    await history.persist([snapshot('a', 1)], now);
    await history.persist([snapshot('a', 2), snapshot('a', 3)], now);
    expect(await history.storedSeq('a', 'boot-a')).toBe(3);
    now = (T0 + 3 * 3600) * 1000;
    expect((await history.retention()).raw).toBe(3);
    expect(await db.rawSnapshot.count()).toBe(0);
    expect(await history.storedSeq('a', 'boot-a')).toBe(3);
  });

  it('history — the control audit keeps request, result and who asked', async () => {
    const entry = {
      id: 'c1',
      requestId: 'c1',
      at: now,
      action: 'partition',
      phase: 'result' as const,
      request: { sides: [['a'], ['b']] },
      ok: false,
      result: { refused: 'x' },
      actor: 'session:0123456789abcdef',
      remoteAddress: '127.0.0.1',
      userAgent: 'test',
    };
    await history.audit(entry);
    expect(await history.auditLog()).toEqual([entry]);
  });

  it('history — server events are stored, node events only with their snapshots', async () => {
    await history.recordEvents([
      {
        id: 0,
        at: now,
        node: 'a',
        source: 'server',
        event: { type: 'agent', at: now, action: 'connected', bootId: 'b' },
      },
      {
        id: 0,
        at: now,
        node: 'a',
        source: 'node',
        event: { type: 'nodeup', at: now, node: 'b', hidden: false },
      },
    ]);
    const { events } = await history.events(eventsQuery({ node: 'a' }));
    expect(events.map((e) => e.event.type)).toEqual(['agent']);
    expect(events[0]?.id).toBeGreaterThan(0);
  });
});

function q(params: Record<string, string | number>) {
  return historyQuerySchema.parse(
    Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])),
  );
}

function eventsQuery(params: { node?: string }) {
  return { limit: 500, ...params };
}
