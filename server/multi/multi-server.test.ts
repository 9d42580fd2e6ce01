/**
 * Two real observatory server processes on one real PostgreSQL database (OBSERVATORY_MULTI_SERVER
 * mode), two real node processes whose agents report to server A. A dashboard connected to B sees
 * them live; a partition posted to B reaches them through A; only one server runs rollups, and
 * the other takes over (and marks A's nodes down) when A is SIGKILLed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UI_NAMESPACE, UI_SOCKET_IO_PATH } from '../../protocol/constants.ts';
import type { ClusterModel } from '../../protocol/model.ts';
import { freePort } from '../lab/testing/index.ts';
import { LabNodes } from '../lab/nodes.ts';
import { freshPostgres, type TestDatabase } from '../store/testing/databases.ts';
import { metric, startServerProcess, until, type ServerProcess } from './testing/servers.ts';

const ADMIN = 'multi-server-admin-token-0123';
const AGENT_SECRET = 'multi-server-agent-secret';
const a = 'ma@127.0.0.1';
const b = 'mb@127.0.0.1';

const postgresUrl = inject('postgresUrl');

describe('multi-server', () => {
  let db: TestDatabase;
  let dir: string;
  let serverA: ServerProcess;
  let serverB: ServerProcess;
  let nodes: LabNodes;
  let ui: Socket | undefined;
  let latest: ClusterModel | undefined;

  beforeAll(async () => {
    if (postgresUrl === '') {
      throw new Error(
        'the multi-server tests need PostgreSQL: set TEST_POSTGRES_URL (.ci/run does; see docs/operations.md)',
      );
    }
    db = await freshPostgres(postgresUrl);
    dir = mkdtempSync(join(tmpdir(), 'observatory-multi-'));
    const settings = (name: string) => ({
      databaseUrl: db.url,
      adminToken: ADMIN,
      agentToken: AGENT_SECRET,
      rollupEveryMs: 500,
      drillHistoryDir: join(dir, name),
    });
    serverA = await startServerProcess(settings('a'));
    // A holds the jobs lock before B exists, so the SIGKILL below hits the lock holder.
    await until(
      'A holds the jobs lock',
      async () => {
        const text = await (await fetch(`${serverA.url}/metrics`)).text();
        return metric(text, 'observatory_jobs_leader') === 1 ? true : undefined;
      },
      30_000,
    );
    serverB = await startServerProcess(settings('b'));
    const [pa, pb] = [await freePort(), await freePort()];
    nodes = new LabNodes({
      nodes: [
        { name: 'ma', host: '127.0.0.1', port: pa },
        { name: 'mb', host: '127.0.0.1', port: pb },
      ],
      cookie: 'multi-server-cookie',
      observatoryUrl: serverA.url,
      agentToken: AGENT_SECRET,
      // a blackhole is detected after a ticktime; 4 s keeps the partition test short
      ticktimeMs: 4_000,
    });
    await nodes.start();
  }, 240_000);

  afterAll(async () => {
    ui?.close();
    await nodes?.stop();
    await serverB?.stop();
    await serverA?.stop();
    await db?.drop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  /** The newest model a dashboard on B received, once `check` holds. */
  const untilUi = (what: string, check: (m: ClusterModel) => boolean, timeoutMs: number) =>
    until(
      `dashboard on B: ${what}`,
      () => Promise.resolve(latest !== undefined && check(latest) ? latest : undefined),
      timeoutMs,
    );
  const node = (m: ClusterModel, name: string) => m.nodes.find((n) => n.name === name);

  it('multi-server — a dashboard on B sees, live, the nodes whose agents report to A', async () => {
    ui = io(`${serverB.url}${UI_NAMESPACE}`, {
      path: UI_SOCKET_IO_PATH,
      transports: ['websocket'],
      extraHeaders: { origin: serverB.url },
    });
    const versions: number[] = [];
    let agentsConnected = 0;
    ui.on('model', (m: ClusterModel) => {
      latest = m;
      versions.push(m.version);
    });
    ui.on('status', (s: { agentsConnected: number }) => (agentsConnected = s.agentsConnected));
    const seen = await untilUi(
      'both nodes up, each seeing the other',
      (m) =>
        [a, b].every((n) => node(m, n)?.status === 'up') &&
        node(m, a)?.view?.nodes.includes(b) === true &&
        node(m, b)?.view?.nodes.includes(a) === true,
      60_000,
    );
    expect(node(seen, a)?.capabilities).toContain('partition');
    // B's status counts the agents that report to A
    await until(
      'B counts two agents',
      () => Promise.resolve(agentsConnected === 2 || undefined),
      10_000,
    );
    // Live: snapshots keep arriving through A (one a second per node), so B keeps pushing.
    const before = versions.length;
    await until(
      'B pushes newer models',
      () => Promise.resolve(versions.length >= before + 2 ? true : undefined),
      30_000,
    );
    // B stores nothing of A's agents twice: A alone persisted them.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM (SELECT node, "bootId", seq FROM "RawSnapshot" GROUP BY 1, 2, 3 HAVING count(*) > 1) d`,
      );
      expect(Number(rows[0]!.n)).toBe(0);
    } finally {
      await client.end();
    }
  }, 120_000);

  it('multi-server — a partition posted to B reaches the agents on A, authorised on B and audited once', async () => {
    const post = (token: string | undefined, body: unknown) =>
      fetch(`${serverB.url}/api/control/partition`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token !== undefined && { authorization: `Bearer ${token}` }),
        },
        body: JSON.stringify(body),
      });
    const body = { sides: [[a], [b]], ttlMs: 60_000 };
    expect((await post(undefined, body)).status).toBe(401);
    expect((await post('not-the-admin-token-at-all', body)).status).toBe(401);
    // refused on B: nothing was forwarded to A
    expect(serverA.output()).not.toMatch(/forwarded by server/);

    const answer = await post(ADMIN, body);
    expect(answer.status).toBe(200);
    const result = (await answer.json()) as {
      id: string;
      ok: boolean;
      results: { node: string; ok: boolean }[];
    };
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(result.results.map((r) => [r.node, r.ok]).sort()).toEqual([
      [a, true],
      [b, true],
    ]);
    expect(serverA.output()).toMatch(/partition for ma@127\.0\.0\.1 forwarded by server/);
    // The agents on A hold the blackhole: the nodes lose each other, as B's dashboard shows.
    await untilUi(
      'the partition in force and the link cut',
      (m) =>
        m.faults.some((f) => f.node === a && f.kind === 'partition' && f.peers.includes(b)) &&
        node(m, a)?.view?.nodes.includes(b) === false,
      60_000,
    );
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ phase: string }>(
        `SELECT phase FROM "ControlAudit" WHERE "requestId" = $1 ORDER BY phase`,
        [result.id],
      );
      expect(rows.map((r) => r.phase)).toEqual(['intent', 'result']);
      const refused = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM "ControlAudit" WHERE action = 'partition' AND phase = 'refused'`,
      );
      expect(Number(refused.rows[0]!.n)).toBe(2);
    } finally {
      await client.end();
    }
    const heal = await fetch(`${serverB.url}/api/control/heal`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({}),
    });
    expect(((await heal.json()) as { ok: boolean }).ok).toBe(true);
    await untilUi('the partition healed', (m) => m.faults.length === 0, 60_000);
  }, 150_000);

  it('multi-server — only the lock holder runs rollups; the other takes over when it is SIGKILLed', async () => {
    const metrics = async (s: ServerProcess) => (await fetch(`${s.url}/metrics`)).text();
    const rollups = (text: string) =>
      metric(text, 'observatory_history_jobs_total', '{job="rollup"}');
    await until(
      'A runs rollups',
      async () => (rollups(await metrics(serverA)) >= 3 ? true : undefined),
      30_000,
    );
    const b0 = await metrics(serverB);
    expect(metric(b0, 'observatory_jobs_leader')).toBe(0);
    expect(rollups(b0)).toBe(0);
    expect(metric(b0, 'observatory_peer_servers')).toBe(1);

    await serverA.kill();
    await until(
      'B takes over the rollups',
      async () => (rollups(await metrics(serverB)) >= 1 ? true : undefined),
      30_000,
    );
    expect(metric(await metrics(serverB), 'observatory_jobs_leader')).toBe(1);
    // A's agents went with it, as far as B can tell (PEER_TIMEOUT_MS of silence).
    await untilUi(
      "A's nodes down",
      (m) => [a, b].every((n) => node(m, n)?.status === 'down'),
      60_000,
    );
  }, 150_000);
});
