import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode } from '../cluster/api.ts';
import { startNode } from '../cluster/index.ts';
import { deserializeSketch } from '../protocol/sketch.ts';
import type { FrameRow, Snapshot } from '../protocol/telemetry.ts';
import type { Agent } from './agent.ts';
import { attachAgent } from './agent.ts';
import { FakeTransport, fixedProcessStats } from './testing/index.ts';

const nodes: ClusterNode[] = [];
const agents: Agent[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) await a.detach();
  for (const n of nodes.splice(0)) await n.close();
});

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An agent whose transport the test drains into `stored`. */
function observe(node: ClusterNode) {
  const transport = new FakeTransport();
  const agent = attachAgent(node, {
    url: 'http://127.0.0.1:1',
    token: 't',
    intervalMs: 100,
    transport,
    processStats: fixedProcessStats,
  });
  agents.push(agent);
  transport.connect();
  const stored: Snapshot[] = [];
  const drain = () => {
    while (transport.sent.length > 0) stored.push(...transport.ackNext());
  };
  const total = (pred: (f: FrameRow) => boolean) => {
    drain();
    return stored.flatMap((s) => s.frames).filter(pred);
  };
  const snapshots = () => {
    drain();
    return stored;
  };
  return { transport, agent, stored, total, snapshots };
}

describe('agents with real cluster nodes', () => {
  it('agent — frames between two real nodes are counted per channel and direction', async () => {
    const a = await startNode({ name: 'a', cookie: 'agent-test' });
    const b = await startNode({ name: 'b', cookie: 'agent-test' });
    nodes.push(a, b);
    const onA = observe(a);
    const onB = observe(b);
    await a.connect(`${b.name}:${b.address.port}`);
    let got = 0;
    b.register('sink', () => got++);
    b.handle('echo', (x) => x);

    for (let i = 0; i < 50; i++)
      a.send({ name: 'sink', node: b.name }, 'x'.repeat(100), { channel: 'svc:orders' });
    for (let i = 0; i < 20; i++) a.send({ name: 'sink', node: b.name }, 'y'.repeat(1_000));
    for (let i = 0; i < 5; i++) await a.call(b.name, 'echo', i);
    await until(() => got === 70, 'delivery');

    const sum = (rows: FrameRow[]) => rows.reduce((n, f) => n + f.count, 0);
    const orders = (dir: 'in' | 'out', side: typeof onA, peer: string) => () =>
      side.total((f) => f.channel === 'svc:orders' && f.direction === dir && f.peer === peer);
    await until(() => sum(orders('out', onA, b.name)()) === 50, 'a out svc:orders');
    await until(() => sum(orders('in', onB, a.name)()) === 50, 'b in svc:orders');
    await until(
      () => sum(onA.total((f) => f.channel === 'send' && f.direction === 'out')) === 20,
      'a out send',
    );
    await until(() => onA.snapshots().some((s) => s.rpc.count > 0), 'rpc stats');

    const outRows = orders('out', onA, b.name)();
    const bytes = outRows.reduce((n, f) => n + f.bytes, 0);
    expect(bytes).toBeGreaterThanOrEqual(50 * 100);
    const sizes = outRows.map((f) => deserializeSketch(f.sketch));
    expect(Math.min(...sizes.map((s) => s.min))).toBeGreaterThanOrEqual(100);
    const big = onA
      .total((f) => f.channel === 'send' && f.direction === 'out')
      .map((f) => deserializeSketch(f.sketch));
    expect(Math.min(...big.map((s) => s.min))).toBeGreaterThanOrEqual(1_000);
    expect(onA.stored.at(-1)!.view.nodes).toEqual([b.name]);
    expect(onA.stored.at(-1)!.links).toEqual([
      expect.objectContaining({ peer: b.name, state: 'up' }),
    ]);
    expect(
      onA.stored.flatMap((s) => s.events).some((e) => e.type === 'nodeup' && e.node === b.name),
    ).toBe(true);
  });

  it('control — a partition command blackholes the peer in the real link layer until its ttl', async () => {
    const a = await startNode({ name: 'a', cookie: 'agent-test', ticktimeMs: 400 });
    const b = await startNode({ name: 'b', cookie: 'agent-test', ticktimeMs: 400 });
    nodes.push(a, b);
    const onA = observe(a);
    await a.connect(`${b.name}:${b.address.port}`);
    const ack = onA.transport.command({
      id: 'p',
      type: 'partition',
      args: { peers: [b.name] },
      ttlMs: 1_000,
    });
    expect(ack.ok).toBe(true);
    expect(a.faults.list().blackholed).toEqual([b.name]);
    await until(() => !a.nodes().includes(b.name), 'nodedown after a ticktime');
    await until(() => a.faults.list().blackholed.length === 0, 'ttl revert', 3_000);
  });
});
