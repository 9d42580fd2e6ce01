/**
 * Discovery results end to end with real processes: two `observatory node` children with
 * `--discovery static --seeds …` and agents, a server in this process, and the discovery section
 * of each node read back from `GET /api/cluster`. One seed is a port nobody listens on, so the
 * failed attempts (error, retry delay) show up next to the successful connect.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterModel, ModelNode } from '../../protocol/model.ts';
import { snapshotSchema } from '../../protocol/telemetry.ts';
import { startServer, type RunningServer } from '../start.ts';
import { LabNodes } from './nodes.ts';
import { freePort, untilModel } from './testing/index.ts';

const ADMIN = 'admin-token-for-discovery-tests';
const AGENT = 'agent-token-for-discovery-tests';

let dir: string;
let server: RunningServer;
let nodes: LabNodes;
let ports: number[];
let deadPort: number;

/** Polls until `check` holds; bounded, so a broken cluster fails the test instead of hanging. */
const until = (check: (m: ClusterModel) => boolean, timeoutMs = 20_000) =>
  untilModel(server.url, check, timeoutMs);

const address = (port: number) => `127.0.0.1:${port}`;
const N = (i: number) => `n${i}@127.0.0.1`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'observatory-discovery-'));
  const port = await freePort();
  ports = [await freePort(), await freePort()];
  deadPort = await freePort();
  nodes = new LabNodes({
    nodes: ports.map((p, i) => ({
      name: `n${i + 1}`,
      host: '127.0.0.1',
      port: p,
      // replaces the launcher's own --seeds: the other node and a port nobody listens on
      extraArgs: [
        '--discovery',
        'static',
        '--seeds',
        `${address(ports[1 - i]!)},${address(deadPort)}`,
      ],
    })),
    cookie: 'discovery-test-cookie',
    observatoryUrl: `http://127.0.0.1:${port}`,
    agentToken: AGENT,
  });
  server = await startServer({
    port,
    databaseUrl: `file:${join(dir, 'discovery.db')}`,
    adminToken: ADMIN,
    agentToken: AGENT,
    dashboard: false,
  });
  await nodes.start();
}, 60_000);

afterAll(async () => {
  await nodes?.stop();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('lab discovery', () => {
  it('lab discovery — each node shows its static targets, a successful connect and the dead seed retried', async () => {
    const dead = address(deadPort);
    const peerOf = (n: ModelNode) => address(ports[n.name === N(1) ? 1 : 0]!);
    const failedOn = (n: ModelNode) =>
      n.discovery?.attempts.some((a) => a.target === dead && a.ok === false) === true;
    const m = await until((model) => {
      const ours = model.nodes.filter((n) => n.name === N(1) || n.name === N(2));
      return (
        ours.length === 2 &&
        ours.every((n) => n.status === 'up' && n.view?.nodes.length === 1 && failedOn(n)) &&
        ours.some((n) => n.discovery?.attempts.some((a) => a.target === peerOf(n) && a.ok))
      );
    });

    for (const name of [N(1), N(2)]) {
      const node = m.nodes.find((n) => n.name === name)!;
      const d = node.discovery!;
      expect(d.strategy).toBe('static');
      expect(d.targets).toEqual([peerOf(node), dead].sort());
      expect(d.targetCount).toBe(2);
      expect(d.connects.failed).toBeGreaterThanOrEqual(1);
      const failed = d.attempts.find((a) => a.target === dead && a.ok === false)!;
      // node.connect() answers false for a refused port, so that is all the strategy can say
      expect(failed.error).toEqual(expect.any(String));
      expect(failed.retryInMs).toBeGreaterThan(0);
      expect(d.lastError).toBeNull();
      // the section the server serves is one an agent may send
      expect(snapshotSchema.shape.discovery.safeParse(d).success).toBe(true);
    }
    const connected = m.nodes
      .flatMap((n) => n.discovery?.attempts.map((a) => ({ node: n, a })) ?? [])
      .filter(({ node, a }) => a.target === peerOf(node) && a.ok === true);
    expect(connected.length).toBeGreaterThanOrEqual(1);
    expect(connected[0]!.a).toMatchObject({ attempt: expect.any(Number) as number });
    expect(connected[0]!.a.durationMs).toBeGreaterThanOrEqual(0);
  });
});
