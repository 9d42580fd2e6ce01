/**
 * The BEAM lab end to end with real `erl`: three nodes running the demo application on the
 * lab's own EPMD, watched by the observer through the server's ingest, killed through the API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atom, formatTerm, startErlangNode } from '../../cluster/erlang/index.ts';
import type { ClusterModel } from '../../protocol/model.ts';
import { scrubbedEnv } from '../env.ts';
import { descendants } from '../lab/testing/proc-scan.ts';
import { clusterModel, freePort, untilModel } from '../lab/testing/index.ts';
import { startServer, type RunningServer } from '../start.ts';
import { findErlTools } from './lab/erl.ts';
import { runBeamLab, type RunningBeamLab } from './lab/run-beam-lab.ts';

const ADMIN = 'admin-token-for-beam-tests';
const B = (i: number) => `b${i}@127.0.0.1`;

let dir: string;
let server: RunningServer;
let beam: RunningBeamLab;

const meshed = (m: ClusterModel, names: readonly string[]) =>
  names.every((name) => {
    const n = m.nodes.find((x) => x.name === name);
    return (
      n?.status === 'up' &&
      n.runtime === 'beam' &&
      names.filter((o) => o !== name).every((o) => n.view?.nodes.includes(o) === true)
    );
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'observatory-beam-'));
  server = await startServer({
    port: await freePort(),
    databaseUrl: `file:${join(dir, 'beam.db')}`,
    adminToken: ADMIN,
    agentToken: 'agent-token-for-beam-tests',
    dashboard: false,
  });
  beam = await runBeamLab({
    count: 3,
    tools: findErlTools(process.env.PATH ?? ''),
    env: scrubbedEnv(),
    ingest: server.context.observatory.ingest,
  });
  server.context.observatory.setLab(beam.lab);
  server.context.observatory.setBeamProxy(beam.lab.proxy);
}, 60_000);

afterAll(async () => {
  await beam?.stop();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('BEAM lab', () => {
  it('beam lab — the model shows three BEAM nodes, fully meshed, with their OTP release', async () => {
    const names = [B(1), B(2), B(3)];
    // global and pg settle a moment after the connections: wait for them too
    const settled = (x: ClusterModel) => {
      const b = x.nodes.find((n) => n.name === B(1))?.beam;
      return (
        b?.globalNames.length === 3 && b.pgGroups.find((g) => g.group === 'demo_all')?.members === 3
      );
    };
    const m = await untilModel(server.url, (x) => meshed(x, names) && settled(x), 30_000);
    const b1 = m.nodes.find((n) => n.name === B(1))!;
    expect(b1.beam?.otpRelease).toMatch(/^\d+$/);
    expect(b1.beam?.processCount).toBeGreaterThan(10);
    expect(b1.beam?.registered).toContain('obs_demo');
    expect(b1.beam?.globalNames).toContain(`{obs_demo,'${B(2)}'}`);
    expect(b1.beam?.pgGroups.find((g) => g.group === 'demo_all')?.members).toBe(3);
    // the observer is hidden and not drawn as a member
    expect(m.nodes.filter((n) => n.name.startsWith('observatory_'))).toEqual([]);
    expect(m.links.filter((l) => l.state === 'up' && !l.hidden)).toHaveLength(3);
    // the same figures reach the Prometheus export
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/observatory_beam_processes\{node="b1@127\.0\.0\.1"\} \d+/);
    expect(metrics).toMatch(/observatory_node_up\{node="b3@127\.0\.0\.1"\} 1/);
  }, 40_000);

  it('beam lab — per-link bytes grow with the demo traffic', async () => {
    const bytes = async () => {
      const res = await fetch(`${server.url}/api/traffic`);
      const t = (await res.json()) as {
        rows: { from: string; to: string; channel: string; bytesPerSec: number }[];
      };
      return t.rows.filter((r) => r.channel === 'dist' && r.from === B(1));
    };
    const deadline = performance.now() + 20_000;
    let rows = await bytes();
    while (rows.length < 2 && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      rows = await bytes();
    }
    expect(rows.map((r) => r.to).sort()).toEqual([B(2), B(3)]);
    // the demo sends payloads of up to 4 KB twice a second: far above ticks alone
    for (const r of rows) expect(r.bytesPerSec).toBeGreaterThan(200);
  }, 30_000);

  it('beam lab — the cookie is in no process argument and no environment', () => {
    const procs = descendants(process.pid);
    const erl = procs.filter((p) => p.argv.some((a) => a.includes('b1@127.0.0.1')));
    expect(erl.length).toBeGreaterThan(0);
    for (const p of procs) {
      expect(p.argv.join(' ')).not.toContain(beam.lab.cookie);
      expect(p.environ.join('\n')).not.toContain(beam.lab.cookie);
    }
  });

  it('beam lab — through the distribution proxy: each destination with its sizes, and a partition from the API splits the model, then heals', async () => {
    expect(beam.lab.proxy).toBeDefined();
    // the lab's links go through the proxy, which counts every message per registered name
    const deadline = performance.now() + 20_000;
    let named: { from: string; channel: string; p95: number | null }[] = [];
    while (named.length === 0 && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      const res = await fetch(`${server.url}/api/traffic`);
      const t = (await res.json()) as { rows: typeof named };
      named = t.rows.filter(
        (r) => r.from === B(1) && r.channel.startsWith('reg:') && r.p95 !== null,
      );
    }
    expect(named.length).toBeGreaterThan(0);
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}/api/control/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
        body: JSON.stringify(body),
      });
    const cut = await post('partition', { sides: [[B(1)], [B(2), B(3)]], ttlMs: 60_000 });
    expect(cut.status, await cut.clone().text()).toBe(200);
    // a blackhole, not a close: the nodes see it by net_ticktime (4 s here)
    // Each node runs out its own ticktime: b1 and b2 find out at different moments, so wait for
    // both (polled each second) rather than read b2 the moment b1 knows.
    const viewOf = (x: ClusterModel, n: string) => x.nodes.find((y) => y.name === n)?.view?.nodes;
    const split = await untilModel(
      server.url,
      (x) =>
        x.faults.some((f) => f.kind === 'partition') &&
        viewOf(x, B(1))?.includes(B(2)) === false &&
        viewOf(x, B(2))?.includes(B(1)) === false,
      20_000,
    );
    expect(viewOf(split, B(1))).not.toContain(B(3));
    expect((await post('heal', {})).status).toBe(200);
    // the demo pings its peers every 2 s, so the mesh comes back by itself
    await untilModel(server.url, (x) => meshed(x, [B(1), B(2), B(3)]), 30_000);
  }, 80_000);

  it('beam lab — kill through the API removes the node; the others stop listing it', async () => {
    const before = beam.lab.pids()[B(3)];
    expect(before).toBeDefined();
    const res = await fetch(`${server.url}/api/control/kill`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ node: B(3) }),
    });
    expect(res.status).toBe(200);
    const m = await untilModel(
      server.url,
      (x) =>
        x.nodes.find((n) => n.name === B(3))?.status === 'down' &&
        [B(1), B(2)].every(
          (name) => x.nodes.find((n) => n.name === name)?.view?.nodes.includes(B(3)) === false,
        ),
      15_000,
    );
    expect(m.nodes.find((n) => n.name === B(1))?.status).toBe('up');
    expect(beam.lab.pids()[B(3)]).toBeUndefined();
    expect((await clusterModel(server.url)).nodes.find((n) => n.name === B(3))?.status).toBe(
      'down',
    );
  }, 30_000);

  it('beam lab — a killed node restarted through the API is seen again: same name, new creation, new boot', async () => {
    // A hidden node of the test's own asks b3 for its creation (EPMD gives one per registration).
    const probe = await startErlangNode({
      name: 'restart_probe@127.0.0.1',
      cookie: beam.lab.cookie,
      epmdPort: beam.lab.epmdPort,
      embeddedEpmd: false,
      publish: false,
    });
    try {
      const creation = async () =>
        formatTerm(await probe.call(B(3), 'erlang', 'system_info', [atom('creation')], 5_000));
      // the previous test killed b3; bring it up first if this one runs alone
      if (beam.lab.pids()[B(3)] !== undefined) expect(beam.lab.kill(B(3))).toBe(true);
      const before = (await clusterModel(server.url)).nodes.find((n) => n.name === B(3));
      const res = await fetch(`${server.url}/api/control/restart`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
        body: JSON.stringify({ node: B(3) }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(beam.lab.pids()[B(3)]).toBeDefined();
      const first = await creation();
      // the others list it again (the demo pings its peers), and the observer watches it again
      const m = await untilModel(server.url, (x) => meshed(x, [B(1), B(2), B(3)]), 30_000);
      const after = m.nodes.find((n) => n.name === B(3))!;
      expect(after.runtime).toBe('beam');
      expect(after.bootId).not.toBeNull();
      expect(after.bootId).not.toBe(before?.bootId);
      // kill and restart once more: the same name comes back with another creation
      expect(beam.lab.kill(B(3))).toBe(true);
      await untilModel(
        server.url,
        (x) => x.nodes.find((n) => n.name === B(3))?.status === 'down',
        15_000,
      );
      const again = await fetch(`${server.url}/api/control/restart`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
        body: JSON.stringify({ node: B(3) }),
      });
      expect(again.status).toBe(200);
      const second = await creation();
      expect(second).toMatch(/^\d+$/);
      expect(second).not.toBe(first);
      await untilModel(server.url, (x) => meshed(x, [B(1), B(2), B(3)]), 30_000);
    } finally {
      await probe.close();
    }
  }, 90_000);
});
