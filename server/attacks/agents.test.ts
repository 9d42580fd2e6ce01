/**
 * Attacks by a holder of one node's agent credential against a real observatory server and
 * real lab node processes (issue #12 item 6): reporting as another node, displacing another
 * node's agent (which would route that node's control commands to the attacker), and growing
 * server state without bound by inventing boot ids.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { SnapshotAck } from '../../protocol/agent.ts';
import { AGENT_NAMESPACE, SOCKET_IO_PATH } from '../../protocol/constants.ts';
import { MAX_BOOTS_PER_NODE } from '../ingest/bounds.ts';
import { agentCredential } from '../ingest/credentials.ts';
import { hello, snapshot } from '../model/testing/fixtures.ts';
import { LabNodes } from '../lab/nodes.ts';
import { freePort } from '../../cluster/ports.ts';
import { ADMIN_TOKEN, AGENT_SECRET, AttackServer, outcome, raw } from './testing/helpers.ts';

const A = 'n1@127.0.0.1';
const B = 'n2@127.0.0.1';

/** Every argument and environment value of the processes in `pid`'s process group. */
function whatTheProcessHolds(pid: number): { argv: string[]; env: Record<string, string> } {
  const argv: string[] = [];
  const env: Record<string, string> = {};
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgid !== pid) continue;
      argv.push(...readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0'));
      for (const kv of readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0')) {
        const eq = kv.indexOf('=');
        if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
      }
    } catch {
      // the process ended while we looked
    }
  }
  return { argv, env };
}

describe('agent attacks', () => {
  const lab = new AttackServer();
  let nodes: LabNodes | undefined;
  afterEach(async () => {
    await nodes?.stop();
    nodes = undefined;
    await lab.stop();
  });

  function agentSocket(auth: Record<string, unknown>): Socket {
    return lab.track(
      io(`${lab.server!.url}${AGENT_NAMESPACE}`, {
        path: SOCKET_IO_PATH,
        transports: ['websocket'],
        reconnection: false,
        auth,
      }),
    );
  }

  async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!check()) {
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('agent attacks — what lab node B holds cannot report as node A nor displace A’s agent', async () => {
    const server = await lab.start();
    nodes = new LabNodes({
      nodes: [
        { name: 'n1', host: '127.0.0.1', port: await freePort() },
        { name: 'n2', host: '127.0.0.1', port: await freePort() },
      ],
      cookie: 'attack-test-cookie',
      observatoryUrl: server.url,
      agentToken: AGENT_SECRET,
    });
    await nodes.start();
    const ingest = server.context.observatory.ingest;
    await until(() => ingest.agent(A) !== undefined && ingest.agent(B) !== undefined, 'agents');
    const realBoot = ingest.agent(A)!.bootId;

    // The attacker controls node B's process: every argument and variable it has.
    const held = whatTheProcessHolds(nodes.pids()[B]!);
    const secrets = [
      ...held.argv.filter((_, i) => held.argv[i - 1] === '--agent-token'),
      ...(held.env.OBSERVATORY_AGENT_TOKEN === undefined ? [] : [held.env.OBSERVATORY_AGENT_TOKEN]),
    ];
    expect(secrets.length).toBeGreaterThan(0);

    for (const token of secrets) {
      const forged = agentSocket({ ...hello(A, { bootId: 'forged-boot' }), token });
      expect(await outcome(forged)).toMatch(/^refused: agent credential missing or invalid/);
    }
    // A is still A: the same agent, and a control command reaches it (not an attacker).
    expect(ingest.agent(A)?.bootId).toBe(realBoot);
    const heal = await raw(
      `${server.url}/api/control/heal`,
      'POST',
      { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      JSON.stringify({ nodes: [A] }),
    );
    expect(heal.status).toBe(200);
    expect(JSON.parse(heal.body)).toMatchObject({ ok: true, results: [{ node: A, ok: true }] });
    // B holds its own credential and nothing more.
    expect(secrets).toEqual([agentCredential(AGENT_SECRET, B)]);
    expect(JSON.stringify(held)).not.toContain(AGENT_SECRET);
  }, 60_000);

  it('agent attacks — a credential reports only for its own node; the agent secret itself is no credential', async () => {
    const server = await lab.start();
    const model = server.context.observatory.model;
    for (const token of [agentCredential(AGENT_SECRET, A), AGENT_SECRET]) {
      expect(await outcome(agentSocket({ ...hello(B), token }))).toMatch(/^refused/);
    }
    const a = agentSocket({ ...hello(A), token: agentCredential(AGENT_SECRET, A) });
    const welcomed = new Promise((r) => a.once('welcome', r));
    expect(await outcome(a)).toBe('connected');
    await welcomed;
    // Snapshots claiming to be B, sent over A's authenticated socket.
    const ack: unknown = await a
      .timeout(10_000)
      .emitWithAck('snapshots', [snapshot(B, 1, { bootId: `boot-${A}` })]);
    expect(ack as SnapshotAck).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(model.knows(B)).toBe(false);
  });

  it('agent attacks — a second connection with another node’s credential does not displace the first', async () => {
    const server = await lab.start();
    const ingest = server.context.observatory.ingest;
    const real = agentSocket({ ...hello(A), token: agentCredential(AGENT_SECRET, A) });
    expect(await outcome(real)).toBe('connected');
    let dropped = false;
    real.on('disconnect', () => (dropped = true));
    const forged = agentSocket({
      ...hello(A, { bootId: 'forged' }),
      token: agentCredential(AGENT_SECRET, B),
    });
    expect(await outcome(forged)).toMatch(/^refused/);
    await new Promise((r) => setTimeout(r, 200));
    expect(dropped).toBe(false);
    expect(ingest.agent(A)?.bootId).toBe(`boot-${A}`);
    // The same identity may take over (a restarted node whose old socket is not yet dead).
    const again = agentSocket({
      ...hello(A, { bootId: 'restarted' }),
      token: agentCredential(AGENT_SECRET, A),
    });
    expect(await outcome(again)).toBe('connected');
    await until(() => dropped, 'the old socket to be told to go', 10_000);
    expect(ingest.agent(A)?.bootId).toBe('restarted');
  });

  it('agent attacks — inventing boot ids does not grow the server’s per-node state', async () => {
    const lines: string[] = [];
    const server = await lab.start({ log: (line) => lines.push(line) });
    const token = agentCredential(AGENT_SECRET, A);
    const boots = MAX_BOOTS_PER_NODE * 3;
    for (let i = 0; i < boots; i++) {
      const bootId = `invented-${i}`;
      const s = agentSocket({ ...hello(A, { bootId }), token });
      await new Promise((r) => s.once('welcome', r));
      const ack: unknown = await s
        .timeout(10_000)
        .emitWithAck('snapshots', [snapshot(A, 1, { bootId })]);
      expect(ack).toMatchObject({ ok: true, ackedSeq: 1 });
      s.disconnect();
    }
    const metrics = await raw(`${server.url}/metrics`, 'GET', {});
    const cursors = Number(/^observatory_ingest_cursors (\d+)$/m.exec(metrics.body)?.[1]);
    expect(cursors).toBe(MAX_BOOTS_PER_NODE);
    expect(lines.filter((l) => l.includes('forgot the cursor of boot'))).toHaveLength(
      boots - MAX_BOOTS_PER_NODE,
    );
  });

  it('agent attacks — many node names do not grow the server’s state past its bound', async () => {
    const lines: string[] = [];
    const server = await lab.start({ maxTrackedNodes: 3, log: (line) => lines.push(line) });
    const names = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'].map((n) => `${n}@127.0.0.1`);
    for (const node of names) {
      const s = agentSocket({ ...hello(node), token: agentCredential(AGENT_SECRET, node) });
      await new Promise((r) => s.once('welcome', r));
      const ack: unknown = await s.timeout(10_000).emitWithAck('snapshots', [snapshot(node, 1)]);
      expect(ack).toMatchObject({ ok: true });
      s.disconnect();
      await until(() => server.context.observatory.ingest.agent(node) === undefined, 'disconnect');
    }
    const cluster = JSON.parse((await raw(`${server.url}/api/cluster`, 'GET', {})).body) as {
      nodes: { name: string }[];
    };
    expect(cluster.nodes.map((n) => n.name)).toEqual(names.slice(3));
    const metrics = (await raw(`${server.url}/metrics`, 'GET', {})).body;
    expect(Number(/^observatory_ingest_cursors (\d+)$/m.exec(metrics)?.[1])).toBe(3);
    expect(lines.filter((l) => /^model: .*forgot m\d@/.test(l))).toHaveLength(3);
    expect(lines.filter((l) => /forgot the cursors of m\d@/.test(l))).toHaveLength(3);
  });
});
