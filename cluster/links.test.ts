import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode, FrameEvent, NodeDownEvent } from './api.ts';
import { closeAll, collect, nextEvent, startNodes, targetOf, until } from './testing/index.ts';

let nodes: ClusterNode[] = [];
afterEach(() => closeAll(nodes));

describe('links — ticks, timeouts and faults over real sockets', () => {
  it('links — an idle link stays up across several ticktimes and carries ticks', async () => {
    nodes = await startNodes(2, { ticktimeMs: 200 });
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    const ticks: FrameEvent[] = [];
    b.instrumentation.onFrame(collect(ticks, (e) => e.channel === 'tick'));
    let downs = 0;
    a.monitorNodes((e) => e.event === 'nodedown' && downs++);
    await a.connect(targetOf(b));
    await new Promise((r) => setTimeout(r, 700));
    expect(downs).toBe(0);
    expect(a.nodes()).toEqual([b.name]);
    expect(ticks.filter((t) => t.direction === 'in').length).toBeGreaterThanOrEqual(4);
  });

  it('links — a blackhole is detected after a ticktime on both sides, reason timeout', async () => {
    nodes = await startNodes(2, { ticktimeMs: 300, handshakeTimeoutMs: 400 });
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    await a.connect(targetOf(b));
    const downA = nextEvent(a, (e) => e.event === 'nodedown');
    const downB = nextEvent(b, (e) => e.event === 'nodedown');
    const t0 = Date.now();
    a.faults.blackhole(b.name);
    const [ea, eb] = (await Promise.all([downA, downB])) as NodeDownEvent[];
    const elapsed = Date.now() - t0;
    expect(ea!.reason).toBe('timeout');
    expect(['timeout', 'connection_closed']).toContain(eb!.reason);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(a.stats().dropped_blackhole_out).toBeGreaterThan(0);
    // handshakes are swallowed too: a reconnect fails while the blackhole holds
    expect(await a.connect(targetOf(b))).toBe(false);
    a.faults.unblackhole(b.name);
    expect(await a.connect(targetOf(b))).toBe(true);
  });

  it('links — a closed peer is down at once with connection_closed', async () => {
    nodes = await startNodes(2, { ticktimeMs: 60_000 });
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    await a.connect(targetOf(b));
    const down = nextEvent(a, (e) => e.event === 'nodedown', 1000);
    await b.close();
    expect(((await down) as NodeDownEvent).reason).toBe('connection_closed');
  });

  it('links — added latency delays messages and keeps their order', async () => {
    nodes = await startNodes(2);
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    const got: number[] = [];
    b.register('seq', (m) => got.push(m as number));
    await a.connect(targetOf(b));
    a.faults.setLatency(b.name, { delayMs: 30, jitterMs: 40 });
    expect(a.faults.list().latency[b.name]).toEqual({ delayMs: 30, jitterMs: 40 });
    const t0 = Date.now();
    for (let i = 0; i < 50; i++) {
      a.send({ name: 'seq', node: b.name }, i);
      await new Promise((r) => setImmediate(r));
    }
    await until(() => got.length === 50);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(30);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
    a.faults.clear();
    expect(a.faults.list()).toEqual({ blackholed: [], latency: {} });
  });

  it('links — instrumentation reports frames with channel and size only while listened to', async () => {
    nodes = await startNodes(2);
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    b.register('x', () => {});
    b.handle('h', () => 1);
    await a.connect(targetOf(b));
    const seen: FrameEvent[] = [];
    const off = a.instrumentation.onFrame(collect(seen));
    a.send({ name: 'x', node: b.name }, 'abc', { channel: 'pubsub:news' });
    await a.call(b.name, 'h', null);
    off();
    a.send({ name: 'x', node: b.name }, 'abc');
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.map((e) => `${e.direction}:${e.channel}`)).toEqual([
      'out:pubsub:news',
      'out:rpc',
      'in:rpc',
    ]);
    // length 4, kind 1, name 1+1, channel 1+11, payload tag 1 + 3
    expect(seen[0]!.bytes).toBe(4 + 1 + 2 + 12 + 1 + 3);
    const rpcs: number[] = [];
    a.instrumentation.onRpc((e) => rpcs.push(e.durationMs));
    await a.call(b.name, 'h', null);
    expect(rpcs).toHaveLength(1);
  });

  it('links — a 16 MiB message arrives intact and a ping overtakes it', async () => {
    nodes = await startNodes(2);
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    const order: string[] = [];
    let received: Uint8Array | null = null;
    b.register('bulk', (m) => {
      received = m as Uint8Array;
      order.push('bulk');
    });
    await a.connect(targetOf(b));
    const big = new Uint8Array(16 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
    a.send({ name: 'bulk', node: b.name }, big);
    const pong = await a.ping(b.name);
    order.push(pong);
    await until(() => received !== null, 8000, 'bulk message');
    expect(order).toEqual(['pong', 'bulk']);
    expect(Buffer.from(received!).equals(Buffer.from(big))).toBe(true);
  });
});
