/**
 * The observatory end to end with real node processes: a server in this process, three
 * `observatory node` children with agents, control through the HTTP API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterModel } from '../../protocol/model.ts';
import { startServer, type RunningServer } from '../start.ts';
import { openDb } from '../store/client.ts';
import { LabNodes } from './nodes.ts';
import { clusterModel, freePort, untilModel } from './testing/index.ts';
import { shardsDemo } from './run-lab.ts';

const ADMIN = 'admin-token-for-lab-tests';
const AGENT = 'agent-token-for-lab-tests';
const TICKTIME_MS = 2_000;

let dir: string;
let databaseUrl: string;
let server: RunningServer;
let nodes: LabNodes;
let port: number;

async function start(): Promise<void> {
  server = await startServer({
    port,
    databaseUrl,
    adminToken: ADMIN,
    agentToken: AGENT,
    dashboard: false,
  });
  server.context.observatory.setLab(nodes);
}

function control(action: string, body: unknown, token: string | null = ADMIN) {
  return fetch(`${server.url}/api/control/${action}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
}

const cluster = () => clusterModel(server.url);
/** Polls until `check` holds; bounded, so a broken cluster fails the test instead of hanging. */
const until = (check: (m: ClusterModel) => boolean, timeoutMs = 15_000) =>
  untilModel(server.url, check, timeoutMs);

const N = (i: number) => `n${i}@127.0.0.1`;
const fullMesh = (m: ClusterModel) =>
  m.nodes.filter((n) => n.status === 'up').length === 3 &&
  m.sides.length === 1 &&
  m.links.filter((l) => l.state === 'up').length === 3 &&
  m.nodes.every((n) => n.view?.nodes.length === 2);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'observatory-lab-'));
  databaseUrl = `file:${join(dir, 'lab.db')}`;
  port = await freePort();
  const ports = [await freePort(), await freePort(), await freePort()];
  const demo = shardsDemo(dir);
  const members = ports.map((_, i) => N(i + 1));
  nodes = new LabNodes({
    nodes: ports.map((p, i) => ({
      name: `n${i + 1}`,
      host: '127.0.0.1',
      port: p,
      extraArgs: demo.nodeArgs!(`n${i + 1}`, members),
      storeUrl: demo.storeUrl!,
    })),
    cookie: 'lab-test-cookie',
    observatoryUrl: `http://127.0.0.1:${port}`,
    agentToken: AGENT,
    ticktimeMs: TICKTIME_MS,
  });
  await start();
  await nodes.start();
}, 60_000);

afterAll(async () => {
  await nodes?.stop();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('lab', () => {
  // A test that fails mid-fault must not leave the next ones a partitioned cluster.
  afterEach(async () => {
    if ((await cluster()).faults.length > 0) await control('heal', {});
  });

  it('lab — three nodes appear up in /api/cluster as one full mesh', async () => {
    const m = await until(fullMesh);
    expect(m.nodes.map((n) => n.name)).toEqual([N(1), N(2), N(3)]);
    expect(m.nodes[0]?.view?.nodes).toEqual([N(2), N(3)]);
    // The agents carry the shards service's status: every shard has an owner and a lease epoch.
    const shards = (
      await until(
        (c) => c.shards.length === 64 && c.shards.every((x) => x.owner !== null && x.epoch > 0),
      )
    ).shards;
    expect(shards.filter((x) => x.conflict)).toEqual([]);
  });

  it('lab — control without the admin token is refused with 401; bad input gets 400', async () => {
    expect((await control('heal', {}, null)).status).toBe(401);
    expect((await control('heal', {}, 'wrong-token')).status).toBe(401);
    const unknown = await control('kill', { node: 'nobody' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: { code: 'UNKNOWN_NODE' } });
    const overlap = await control('partition', { sides: [['n1'], ['n1', 'n2']] });
    expect(overlap.status).toBe(400);
    expect((await control('partition', { sides: [['n1'], []] })).status).toBe(400);
    expect((await control('partition', { sides: [['n1'], ['n2']], ttlMs: -5 })).status).toBe(400);
  });

  it('lab — a partition shows two sides and diverging views; heal restores the mesh', async () => {
    await until(fullMesh);
    const res = await control('partition', { sides: [['n1'], ['n2', 'n3']], ttlMs: 60_000 });
    expect(res.status).toBe(200);
    // Each node detects the cut on its own tick timeout and reports on its own schedule, so the
    // model reaches the split in steps: wait for the whole of it, then check it.
    const viewOf = (m: ClusterModel, name: string) => m.nodes.find((n) => n.name === name)?.view;
    const split = await until(
      (m) =>
        m.sides.length === 2 &&
        viewOf(m, N(1))?.nodes.length === 0 &&
        viewOf(m, N(2))?.nodes.length === 1 &&
        m.faults.length === 3,
    );
    expect(split.sides).toEqual([[N(2), N(3)], [N(1)]]);
    expect(viewOf(split, N(1))?.nodes).toEqual([]);
    expect(viewOf(split, N(2))?.nodes).toEqual([N(3)]);
    expect(split.faults.map((f) => f.node).sort()).toEqual([N(1), N(2), N(3)]);
    expect((await control('heal', {})).status).toBe(200);
    const healed = await until((m) => fullMesh(m) && m.faults.length === 0);
    expect(healed.partitioned).toBe(false);
  });

  it('lab — a fault whose time runs out reverts by itself', async () => {
    await until(fullMesh);
    expect(
      (await control('partition', { sides: [['n3'], ['n1', 'n2']], ttlMs: 2_000 })).status,
    ).toBe(200);
    await until((m) => m.faults.length > 0);
    await until((m) => m.faults.length === 0 && fullMesh(m), 20_000);
  });

  // How fast the down shows is a figure of `npm run bench -- agent` (nodedown → /ui), not a
  // timed assertion here, which would flake on a loaded machine.
  it('lab — kill through the API marks the node down and its shards move; restart brings it back', async () => {
    const before = await until((m) => fullMesh(m) && m.shards.some((s) => s.owner === N(3)));
    const owned = before.shards.filter((s) => s.owner === N(3)).map((s) => s.shard);
    expect((await control('kill', { node: 'n3' })).status).toBe(200);
    await until((m) => m.nodes.find((n) => n.name === N(3))?.status === 'down');
    const moved = await until((m) =>
      owned.every((id) => {
        const shard = m.shards.find((s) => s.shard === id);
        return shard?.owner !== undefined && shard.owner !== null && shard.owner !== N(3);
      }),
    );
    expect(moved.shards.filter((s) => s.conflict)).toEqual([]);
    expect((await control('restart', { node: 'n3' })).status).toBe(200);
    await until(fullMesh);
  });

  it('lab — a server restarted mid-run loses no agent data: no gap, no duplicate', async () => {
    await until(fullMesh);
    await server.close();
    // The agents buffer while the server is away and replay once it is back.
    await new Promise((r) => setTimeout(r, 2_500));
    await start();
    await until(fullMesh);
    await new Promise((r) => setTimeout(r, 2_500));
    const db = await openDb(databaseUrl);
    try {
      const rows = await db.rawSnapshot.findMany({
        select: { node: true, bootId: true, seq: true },
      });
      const byBoot = new Map<string, number[]>();
      for (const r of rows)
        byBoot.set(`${r.node} ${r.bootId}`, [
          ...(byBoot.get(`${r.node} ${r.bootId}`) ?? []),
          r.seq,
        ]);
      expect(byBoot.size).toBeGreaterThanOrEqual(3);
      for (const [boot, seqs] of byBoot) {
        const sorted = [...seqs].sort((a, b) => a - b);
        const cursor = await db.agentCursor.findFirst({
          where: { node: boot.split(' ')[0]!, bootId: boot.split(' ')[1]! },
        });
        // Every seq from 1 to the highest stored is there exactly once.
        expect({ boot, seqs: sorted }).toEqual({
          boot,
          seqs: Array.from({ length: sorted.at(-1)! }, (_, i) => i + 1),
        });
        // The cursor trails by at most a few seconds; raw rows and cursor together say what is stored.
        expect(cursor?.seq).toBeLessThanOrEqual(sorted.at(-1)!);
      }
    } finally {
      await db.$disconnect();
    }
  });

  it('lab — /api/events, /api/history and /api/traffic answer from the store and the live window', async () => {
    const events = (await (await fetch(`${server.url}/api/events?limit=1000`)).json()) as {
      events: { source: string; node: string; event: { type: string; action?: string } }[];
    };
    const kinds = new Set(events.events.map((e) => `${e.event.type}:${e.event.action ?? ''}`));
    expect(kinds).toContain('control:kill');
    expect(kinds).toContain('control:partition');
    expect(kinds).toContain('fault:applied');
    expect(kinds).toContain('fault:reverted');
    expect(kinds).toContain('agent:connected');
    // Shard telemetry recorded through the agent, and membership events shown once although
    // they travel twice (urgent, then in the snapshot).
    expect(kinds).toContain('lease:acquired');
    expect(kinds).toContain('ownership:');
    expect(kinds).toContain('nodedown:');
    const nodeEvents = events.events.filter((e) => e.source === 'node');
    const ids = nodeEvents.map((e) => `${e.node} ${JSON.stringify(e.event)}`);
    expect(new Set(ids).size).toBe(ids.length);
    const history = (await (
      await fetch(`${server.url}/api/history?groupBy=node&from=${Date.now() - 120_000}`)
    ).json()) as { resolution: number; series: { key: string; points: unknown[] }[] };
    expect(history.resolution).toBe(1);
    expect(history.series.map((s) => s.key)).toEqual([N(1), N(2), N(3)]);
    const bad = await fetch(`${server.url}/api/history?from=10&to=5`);
    expect(bad.status).toBe(400);
    const traffic = (await (await fetch(`${server.url}/api/traffic`)).json()) as {
      rows: { from: string; msgPerSec: number; p95: number | null }[];
    };
    expect(traffic.rows.some((r) => r.msgPerSec > 0 && r.p95 !== null)).toBe(true);
  });

  it('lab — /metrics serves Prometheus text with node and ingest series', async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain(`observatory_node_up{node="${N(1)}"} 1`);
    expect(text).toMatch(/observatory_snapshots_stored_total \d+/);
  });
});
