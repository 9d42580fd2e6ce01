/**
 * One round trip of the drill model, for the store test (server/store/store.test.ts) that
 * exercises every model on both databases so schema and SQL migrations cannot drift apart.
 */
import { expect } from 'vitest';
import type { Db } from '../../store/client.ts';

const startedAt = new Date('2026-01-02T03:04:05.678Z');

export const drillModelExercises: Record<'DrillRun', (db: Db) => Promise<void>> = {
  async DrillRun(db) {
    const running = {
      id: 'drill-1',
      kind: 'split-brain',
      options: '{"nodes":3}',
      state: 'running',
      startedAt,
      progress: 'partition · 10 writes, 9 acked',
      lastProgress: '{"phase":"partition","at":1}',
    };
    await db.drillRun.create({ data: running });
    expect(await db.drillRun.findMany({ where: { state: 'running' } })).toEqual([
      { ...running, endedAt: null, verdict: null, report: null, error: null },
    ]);
    const report = JSON.stringify({ verdict: 'pass', text: 'é'.repeat(100_000) });
    const endedAt = new Date('2026-01-02T03:04:25.001Z');
    await db.drillRun.update({
      where: { id: 'drill-1' },
      data: { state: 'passed', endedAt, verdict: 'pass', progress: null, report },
    });
    const row = await db.drillRun.findUniqueOrThrow({ where: { id: 'drill-1' } });
    expect(row).toMatchObject({ state: 'passed', endedAt, verdict: 'pass', progress: null });
    expect(row.report).toBe(report);
    await db.drillRun.create({
      data: { ...running, id: 'drill-2', startedAt: new Date(startedAt.getTime() + 1) },
    });
    const newest = await db.drillRun.findMany({ orderBy: { startedAt: 'desc' }, take: 1 });
    expect(newest.map((r) => r.id)).toEqual(['drill-2']);
    await expect(db.drillRun.create({ data: running })).rejects.toThrow();
    await db.drillRun.deleteMany();
    expect(await db.drillRun.count()).toBe(0);
  },
};
