import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLinearizability, counterModel, parseHistory } from '../../cluster/check/index.ts';
import { drillViewSchema, type DrillView } from '../../protocol/http.ts';
import { startServer, type RunningServer } from '../start.ts';
import { openDb } from '../store/client.ts';
import { freshSqlite, type TestDatabase } from '../store/testing/databases.ts';
import { DrillStore } from './drill-store.ts';
import { LOST_ADD_HISTORY } from './testing/histories.ts';

/**
 * `GET /api/drills/:id` and `/history` over real sockets, on a run stored as the server stores a
 * finished drill (a row and its history file), with a known failing history checked by the real
 * checker: the view must carry the timeline with the checker's window marked.
 */
describe('drill view api', () => {
  let server: RunningServer | undefined;
  let database: TestDatabase | undefined;
  let historyDir: string | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await database?.drop();
    database = undefined;
    if (historyDir !== undefined) rmSync(historyDir, { recursive: true, force: true });
  });

  async function startWithFailingRun(): Promise<{ url: string; id: string; text: string }> {
    database = freshSqlite();
    historyDir = mkdtempSync(join(tmpdir(), 'drill-view-'));
    server = await startServer({
      port: 0,
      databaseUrl: database.url,
      adminToken: 'admin-token-for-view-tests',
      agentToken: 'agent-token-for-view-tests',
      dashboard: false,
      drillHistoryDir: historyDir,
    });
    const text = LOST_ADD_HISTORY.join('\n') + '\n';
    const linearizability = checkLinearizability(parseHistory(text, counterModel), {
      model: counterModel,
    });
    const id = randomUUID();
    const db = await openDb(database.url);
    try {
      const store = new DrillStore(db);
      store.save({
        id,
        kind: 'split-brain',
        status: 'failed',
        startedAt: 1_000,
        finishedAt: 16_000,
        report: { verdict: 'fail', checker: 'pass', linearizability },
      });
      await store.flush();
    } finally {
      await db.$disconnect();
    }
    mkdirSync(historyDir, { recursive: true });
    writeFileSync(join(historyDir, `${id}.jsonl`), text);
    return { url: server.url, id, text };
  }

  it('drill view api — a failed run: its timeline with lanes, fault interval and the failing window marked', async () => {
    const { url, id, text } = await startWithFailingRun();
    const res = await fetch(`${url}/api/drills/${id}`);
    expect(res.status).toBe(200);
    const view = drillViewSchema.parse(await res.json());
    expect(view).toMatchObject({
      id,
      status: 'failed',
      report: { verdict: 'fail' },
      historyFile: { bytes: Buffer.byteLength(text), url: `/api/drills/${id}/history` },
    });
    const t = view.timeline!;
    expect(t.processes).toEqual([0, 1, 2, 3]);
    expect(t.totalOps).toBe(5);
    expect(t.intervals).toEqual([{ f: 'partition', startMs: 25, endMs: 60, until: 'heal' }]);
    // the checker's window: the acknowledged add of 2 and the read that missed it
    expect(t.ops.filter((o) => o.window === true).map((o) => [o.f, o.value])).toEqual([
      ['add', 2],
      ['read', 0],
    ]);
  });

  it('drill view api — the history downloads as the file itself, named as an attachment', async () => {
    const { url, id, text } = await startWithFailingRun();
    const res = await fetch(`${url}/api/drills/${id}/history`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="drill-split-brain-${id}.jsonl"`,
    );
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe(text);
  });

  it('drill view api — bad ids are 400, unknown ones and runs without a file 404, with clear messages', async () => {
    const { url, id } = await startWithFailingRun();
    const error = async (path: string) => {
      const res = await fetch(`${url}${path}`);
      return [res.status, ((await res.json()) as { error: { code: string } }).error.code];
    };
    expect(await error(`/api/drills/${id}x`)).toEqual([400, 'BAD_DRILL_ID']);
    expect(await error(`/api/drills/nope/history`)).toEqual([400, 'BAD_DRILL_ID']);
    expect(await error(`/api/drills/${randomUUID()}`)).toEqual([404, 'DRILL_NOT_FOUND']);
    expect(await error(`/api/drills/${randomUUID()}/history`)).toEqual([404, 'DRILL_NOT_FOUND']);
    rmSync(join(historyDir!, `${id}.jsonl`));
    expect(await error(`/api/drills/${id}/history`)).toEqual([404, 'DRILL_HISTORY_NOT_FOUND']);
    const view = (await (await fetch(`${url}/api/drills/${id}`)).json()) as DrillView;
    expect(view).toMatchObject({ status: 'failed', historyFile: null, timeline: null });
    expect(view.timelineNote).toMatch(/no history file/);
    const post = await fetch(`${url}/api/drills/${id}/history`, { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('drill view api — attack: a path in the id cannot read a file outside the history directory', async () => {
    const { url } = await startWithFailingRun();
    // a file the attacker wants, one level above the history directory
    const secret = join(historyDir!, '..', `secret-${randomUUID()}.jsonl`);
    writeFileSync(secret, 'SECRET\n');
    try {
      const name = secret.slice(secret.lastIndexOf('/') + 1, -'.jsonl'.length);
      for (const path of [
        `/api/drills/..%2F${name}/history`,
        `/api/drills/%2E%2E%2F${name}/history`,
        `/api/drills/..%5C${name}/history`,
      ]) {
        const res = await fetch(`${url}${path}`);
        expect(res.status).toBe(400);
        expect(await res.text()).not.toContain('SECRET');
      }
    } finally {
      rmSync(secret, { force: true });
    }
  });
});
