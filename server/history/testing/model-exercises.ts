/**
 * One round trip per history model, for the store test (server/store/store.test.ts) that
 * exercises every model on both databases so schema and SQL migrations cannot drift apart.
 */
import { expect } from 'vitest';
import type { Db } from '../../store/client.ts';

type HistoryModel = 'AgentCursor' | 'RawSnapshot' | 'RollupBucket' | 'Event' | 'ControlAudit';

const at = new Date('2026-01-02T03:04:05.678Z');

export const historyModelExercises: Record<HistoryModel, (db: Db) => Promise<void>> = {
  async AgentCursor(db) {
    await db.agentCursor.create({
      data: { node: 'a@h', bootId: 'b', seq: 2_000_000_000, updatedAt: at },
    });
    expect(
      await db.agentCursor.findUnique({ where: { node_bootId: { node: 'a@h', bootId: 'b' } } }),
    ).toEqual({
      node: 'a@h',
      bootId: 'b',
      seq: 2_000_000_000,
      updatedAt: at,
    });
    await db.agentCursor.deleteMany();
  },
  async RawSnapshot(db) {
    const row = {
      node: 'a@h',
      bootId: 'b',
      seq: 1,
      t: 1_767_225_600,
      intervalMs: 1000,
      data: new Uint8Array([1, 2, 3]),
      receivedAt: at,
    };
    await db.rawSnapshot.createMany({ data: [row, { ...row, seq: 2 }] });
    await db.rawSnapshot.updateMany({ where: { seq: 2 }, data: { rolled10: true } });
    const rows = await db.rawSnapshot.findMany({ orderBy: { seq: 'asc' } });
    expect(rows).toEqual([
      { ...row, rolled10: false, rolled60: false },
      { ...row, seq: 2, rolled10: true, rolled60: false },
    ]);
    await expect(db.rawSnapshot.create({ data: row })).rejects.toThrow();
    await db.rawSnapshot.deleteMany();
  },
  async RollupBucket(db) {
    const row = {
      resolution: 10,
      node: 'a',
      t: 1_767_225_600,
      series: 2,
      data: new Uint8Array([0, 1, 2, 255]),
    };
    await db.rollupBucket.create({ data: row });
    expect(await db.rollupBucket.findFirst()).toEqual(row);
    await expect(db.rollupBucket.create({ data: row })).rejects.toThrow();
    await db.rollupBucket.create({ data: { ...row, resolution: 60 } });
    expect(await db.rollupBucket.count()).toBe(2);
    await db.rollupBucket.deleteMany();
  },
  async Event(db) {
    const e = await db.event.create({
      data: { at, node: 'a', source: 'node', type: 'nodeup', data: '{}' },
    });
    expect(e.id).toBeGreaterThan(0);
    expect(await db.event.count({ where: { at: { gte: at } } })).toBe(1);
    await db.event.deleteMany();
  },
  async ControlAudit(db) {
    await db.controlAudit.create({
      data: { id: 'c', at, action: 'heal', request: '{}', ok: true, result: '[]' },
    });
    expect(await db.controlAudit.findUnique({ where: { id: 'c' } })).toMatchObject({
      ok: true,
      phase: 'result',
      actor: null,
    });
    await db.controlAudit.create({
      data: {
        id: 'r',
        at,
        action: 'kill',
        phase: 'refused',
        requestId: 'q',
        request: '{}',
        ok: false,
        result: '{}',
        actor: 'anonymous',
        remoteAddress: '127.0.0.1',
        userAgent: 'curl/8',
      },
    });
    expect(await db.controlAudit.findMany({ where: { requestId: 'q' } })).toMatchObject([
      { phase: 'refused', actor: 'anonymous', remoteAddress: '127.0.0.1', userAgent: 'curl/8' },
    ]);
    await db.controlAudit.deleteMany();
  },
};
