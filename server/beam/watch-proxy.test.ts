/**
 * `observatory server --beam-nodes … --beam-proxy-epmd PORT` with real `erl`: the user's nodes
 * are started after the observatory, with ERL_EPMD_PORT=PORT and -start_epmd false, exactly as
 * docs/erlang.md tells users to; their links then go through the distribution proxy, so message
 * sizes show per destination and partition and heal from the API act on them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTerm } from '../../cluster/erlang/format.ts';
import { ErlNode, cookieHome, freePort } from '../../cluster/erlang/testing/erl-node.ts';
import type { ClusterModel } from '../../protocol/model.ts';
import { untilModel } from '../lab/testing/index.ts';
import { startServer, type RunningServer } from '../start.ts';
import { watchBeamCluster, type BeamClusterWatch } from './observer/watch-cluster.ts';

const ADMIN = 'admin-token-for-beam-proxy-watch-tests';
const COOKIE = 'BEAMPROXYWATCHTESTCOOKIE';
const TICKTIME_S = 4;
const P1 = 'p1@127.0.0.1';
const P2 = 'p2@127.0.0.1';
let dir: string;
let server: RunningServer;
let watch: BeamClusterWatch;
let epmdPort: number;
const erls: ErlNode[] = [];

const viewOf = (m: ClusterModel, n: string) => m.nodes.find((x) => x.name === n)?.view?.nodes;
const post = (path: string, body: unknown) =>
  fetch(`${server.url}/api/control/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify(body),
  });
const ping = async (from: ErlNode, to: string) =>
  formatTerm(await from.eval(`net_adm:ping('${to}')`, 20_000));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'observatory-beam-proxy-watch-'));
  server = await startServer({
    port: await freePort(),
    databaseUrl: `file:${join(dir, 'watch.db')}`,
    adminToken: ADMIN,
    agentToken: 'agent-token-for-beam-proxy-watch-tests',
    dashboard: false,
  });
  // What `observatory server --beam-nodes p1@…,p2@… --beam-proxy-epmd PORT` does (server/main.ts)
  epmdPort = await freePort();
  watch = await watchBeamCluster({
    nodes: [P1, P2],
    epmdHosts: [],
    cookie: COOKIE,
    proxy: { epmdPort },
    ingest: server.context.observatory.ingest,
  });
  server.context.observatory.setBeamProxy(watch.proxy);
  // the user's nodes, started afterwards with ERL_EPMD_PORT pointing at the observatory
  const home = cookieHome(COOKIE);
  for (const name of [P1, P2]) {
    const erl = new ErlNode({
      name,
      epmdPort,
      home,
      ticktimeS: TICKTIME_S,
      extraArgs: ['-start_epmd', 'false'],
    });
    erls.push(erl);
    await erl.ready();
  }
  expect(await ping(erls[0]!, P2)).toBe('{ok,pong}');
}, 60_000);

afterAll(async () => {
  await watch?.close();
  await server?.close();
  for (const e of erls) await e.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('BEAM cluster watch behind the proxy', () => {
  it('beam proxy watch — the nodes register with our EPMD and their messages are counted per destination', async () => {
    expect(watch.proxy?.epmdPort).toBe(epmdPort);
    await untilModel(
      server.url,
      (x) => viewOf(x, P1)?.includes(P2) === true && viewOf(x, P2)?.includes(P1) === true,
      20_000,
    );
    await erls[1]!.eval(`register(sink, spawn(fun L() -> receive _ -> L() end end)), ok`);
    const sent = async () => {
      const res = await fetch(`${server.url}/api/traffic`);
      const t = (await res.json()) as { rows: { from: string; to: string; channel: string }[] };
      return t.rows.some((r) => r.from === P1 && r.to === P2 && r.channel === 'reg:sink');
    };
    const deadline = performance.now() + 20_000;
    let seen = false;
    while (!(seen = await sent()) && performance.now() < deadline) {
      await erls[0]!.eval(`[{sink, '${P2}'} ! {n, I} || I <- lists:seq(1, 50)], ok`);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(seen).toBe(true);
  }, 40_000);

  it('beam proxy watch — partition from the API is seen by net_ticktime; heal lets them reconnect', async () => {
    const cut = await post('partition', { sides: [[P1], [P2]], ttlMs: 60_000 });
    expect(cut.status, await cut.clone().text()).toBe(200);
    // each node runs out its own ticktime (3–4 s), polled each second: bound with slack
    await untilModel(
      server.url,
      (x) => viewOf(x, P1)?.includes(P2) === false && viewOf(x, P2)?.includes(P1) === false,
      1.5 * TICKTIME_S * 1000 + 15_000,
    );
    expect(formatTerm(await erls[0]!.eval('nodes()'))).toBe('{ok,[]}');
    const heal = await post('heal', {});
    expect(heal.status).toBe(200);
    // No demo application here to re-ping: the test pings, as an application would.
    expect(await ping(erls[0]!, P2)).toBe('{ok,pong}');
    await untilModel(
      server.url,
      (x) => viewOf(x, P1)?.includes(P2) === true && viewOf(x, P2)?.includes(P1) === true,
      20_000,
    );
  }, 60_000);
});
