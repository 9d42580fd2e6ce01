/**
 * Watching a BEAM cluster the observatory did not start (`observatory server --beam-*`): two
 * plain `erl` nodes on a private `epmd`, found through EPMD, shown in the model, and killed by
 * the admin through the API with `erlang:halt/0` over rpc.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ErlNode,
  cookieHome,
  freePort,
  killEpmd,
  startEpmd,
} from '../../cluster/erlang/testing/erl-node.ts';
import { formatTerm } from '../../cluster/erlang/format.ts';
import { untilModel } from '../lab/testing/index.ts';
import { startServer, type RunningServer } from '../start.ts';
import { watchBeamCluster, type BeamClusterWatch } from './observer/watch-cluster.ts';

const ADMIN = 'admin-token-for-beam-watch-tests';
const COOKIE = 'BEAMWATCHTESTCOOKIE';
let dir: string;
let epmdPort: number;
let server: RunningServer;
let watch: BeamClusterWatch;
const erls: ErlNode[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'observatory-beam-watch-'));
  epmdPort = await freePort();
  await startEpmd(epmdPort);
  const home = cookieHome(COOKIE);
  for (const name of ['w1@127.0.0.1', 'w2@127.0.0.1']) {
    const erl = new ErlNode({ name, epmdPort, home });
    erls.push(erl);
    await erl.ready();
  }
  await erls[0]!.eval(`pong = net_adm:ping('w2@127.0.0.1')`);
  server = await startServer({
    port: await freePort(),
    databaseUrl: `file:${join(dir, 'watch.db')}`,
    adminToken: ADMIN,
    agentToken: 'agent-token-for-beam-watch-tests',
    dashboard: false,
  });
  watch = await watchBeamCluster({
    nodes: ['w1@127.0.0.1'],
    epmdHosts: ['127.0.0.1'],
    cookie: COOKIE,
    epmdPort,
    ingest: server.context.observatory.ingest,
  });
}, 60_000);

afterAll(async () => {
  await watch?.close();
  await server?.close();
  for (const e of erls) await e.stop();
  await killEpmd(epmdPort);
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('BEAM cluster watch', () => {
  it('beam watch — named and EPMD-discovered nodes show as BEAM nodes seeing each other', async () => {
    const m = await untilModel(
      server.url,
      (x) =>
        ['w1@127.0.0.1', 'w2@127.0.0.1'].every((name) => {
          const n = x.nodes.find((y) => y.name === name);
          return n?.status === 'up' && n.runtime === 'beam' && n.view?.nodes.length === 1;
        }),
      20_000,
    );
    const w1 = m.nodes.find((n) => n.name === 'w1@127.0.0.1')!;
    expect(w1.view?.nodes).toEqual(['w2@127.0.0.1']);
    // no demo here: no pg scope of the demo's, and nothing registered globally
    expect(w1.beam?.pgGroups).toEqual([]);
    expect(w1.beam?.registered).toContain('rex');
    expect(watch.observer.watched().sort()).toEqual(['w1@127.0.0.1', 'w2@127.0.0.1']);
  }, 30_000);

  it('beam watch — partition of a BEAM node not behind the proxy is refused, naming the option', async () => {
    const res = await fetch(`${server.url}/api/control/partition`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ sides: [['w1@127.0.0.1'], ['w2@127.0.0.1']], ttlMs: 10_000 }),
    });
    const text = await res.text();
    expect(res.status, text).toBe(400);
    expect(text).toContain('BEAM_PROXY_REQUIRED');
    expect(text).toMatch(/--beam-proxy-epmd PORT and start the nodes with ERL_EPMD_PORT=PORT/);
    // nothing was cut: the nodes still see each other
    expect(formatTerm(await erls[0]!.eval('nodes()'))).toBe(`{ok,['w2@127.0.0.1']}`);
  });

  it('beam watch — kill without the admin token is refused and the node lives', async () => {
    const res = await fetch(`${server.url}/api/control/kill`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ node: 'w2@127.0.0.1' }),
    });
    expect(res.status).toBe(401);
    expect(erls[1]!.child.exitCode).toBeNull();
  });

  it('beam watch — an admin kill of a node the lab did not start halts it over rpc', async () => {
    const exited = new Promise<number | null>((r) => erls[1]!.child.once('exit', (c) => r(c)));
    const res = await fetch(`${server.url}/api/control/kill`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ node: 'w2@127.0.0.1' }),
    });
    const body = (await res.json()) as { ok: boolean };
    expect(res.status).toBe(200);
    expect(body.ok).toBe(true);
    // erlang:halt/0 exits with status 0 (a SIGKILL would give a null code and a signal)
    expect(await exited).toBe(0);
    await untilModel(
      server.url,
      (x) => x.nodes.find((n) => n.name === 'w2@127.0.0.1')?.status === 'down',
      10_000,
    );
  }, 30_000);
});
