import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode, FrameEvent } from './api.ts';
import { closeAll, collect, startNodes, targetOf, until } from './testing/index.ts';

let nodes: ClusterNode[] = [];
afterEach(() => closeAll(nodes));

const BIG_BYTES = 24 * 1024 * 1024;

/**
 * a sends one big message to b and, once b has heard its first fragment, `cut` starts a blackhole
 * and heals it `healAfterMs` later (0: at the next turn of the event loop, while most of the
 * message is still to come); then a sends a small message. The cut message is lost (as lost
 * frames are), the link stays up and the small message arrives.
 */
async function cutMidMessage(
  cut: (a: ClusterNode, b: ClusterNode, on: boolean) => void,
  healAfterMs = 50,
) {
  nodes = await startNodes(2, { ticktimeMs: 60_000 });
  const [a, b] = nodes as [ClusterNode, ClusterNode];
  const got: unknown[] = [];
  b.register('inbox', (m) => got.push(m instanceof Uint8Array ? m.length : m));
  await a.connect(targetOf(b));
  let downs = 0;
  a.monitorNodes((e) => e.event === 'nodedown' && downs++);
  b.monitorNodes((e) => e.event === 'nodedown' && downs++);
  let cutDone: () => void = () => {};
  const healed = new Promise<void>((r) => (cutDone = r));
  const off = b.instrumentation.onFrame((_peer, channel, direction) => {
    if (direction !== 'in' || channel !== 'test:bulk') return;
    off();
    cut(a, b, true);
    const heal = () => {
      cut(a, b, false);
      cutDone();
    };
    if (healAfterMs === 0) setImmediate(heal);
    else setTimeout(heal, healAfterMs);
  });
  a.send({ name: 'inbox', node: b.name }, new Uint8Array(BIG_BYTES), { channel: 'test:bulk' });
  await healed;
  a.send({ name: 'inbox', node: b.name }, 'after');
  await until(() => got.includes('after'), 5_000, 'the message sent after the heal');
  expect(got).toEqual(['after']);
  expect(downs).toBe(0);
  expect(a.nodes()).toEqual([b.name]);
  expect((a.stats().protocol_errors ?? 0) + (b.stats().protocol_errors ?? 0)).toBe(0);
  return { a, b };
}

describe('faults — a blackhole during a fragmented message', () => {
  it('faults — sender-side blackhole healed mid-message loses that message, not the link', async () => {
    const { a, b } = await cutMidMessage((a, b, on) =>
      on ? a.faults.blackhole(b.name) : a.faults.unblackhole(b.name),
    );
    expect(a.stats().dropped_partial_messages).toBe(1);
    expect(b.stats().dropped_partial_messages).toBe(1);
  });

  it('faults — receiver-side blackhole healed mid-message loses that message, not the link', async () => {
    // Healed at once, so fragments of the cut message certainly arrive after the heal: a 50 ms
    // cut let the whole 24 MiB arrive (and be dropped) inside the cut on a fast run.
    const { b } = await cutMidMessage(
      (a, b, on) => (on ? b.faults.blackhole(a.name) : b.faults.unblackhole(a.name)),
      0,
    );
    expect(b.stats().dropped_partial_messages).toBe(1);
    expect(b.stats().dropped_orphan_fragments).toBeGreaterThan(0);
  });

  it('faults — fragments are reported to onFrame as they cross, with the message channel', async () => {
    nodes = await startNodes(2);
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    const out: FrameEvent[] = [];
    const inn: FrameEvent[] = [];
    a.instrumentation.onFrame(collect(out, (e) => e.channel === 'test:bulk'));
    b.instrumentation.onFrame(collect(inn, (e) => e.channel === 'test:bulk'));
    let got = 0;
    b.register('inbox', () => got++);
    await a.connect(targetOf(b));
    a.send({ name: 'inbox', node: b.name }, new Uint8Array(1024 * 1024), { channel: 'test:bulk' });
    a.send({ name: 'inbox', node: b.name }, new Uint8Array(1000), { channel: 'test:bulk' });
    await until(() => got === 2, 5_000, 'both messages');
    await until(() => inn.length === out.length, 1_000, 'every fragment heard');
    // on the wire (as b hears it): 16 full fragments, a short last one, then the small message
    // as one event; a reports the small message when it is sent, each fragment when it leaves
    expect(inn.length).toBe(18);
    expect(inn.slice(0, 16).every((e) => e.bytes > 65536)).toBe(true);
    expect(inn.slice(0, 17).reduce((n, e) => n + e.bytes, 0)).toBeGreaterThan(1024 * 1024);
    expect(inn[17]!.bytes).toBeLessThan(1100);
    const sizes = (l: FrameEvent[]) => l.map((e) => e.bytes).sort((x, y) => x - y);
    expect(sizes(out)).toEqual(sizes(inn));
    expect(out.every((e) => e.direction === 'out')).toBe(true);
  });
});

describe('faults — simultaneous connects by address', () => {
  it('faults — two connects by host:port at once leave both ends on the same socket', async () => {
    for (let round = 0; round < 12; round++) {
      nodes = await startNodes(2, {}, `s${round}-`);
      const [a, b] = nodes as [ClusterNode, ClusterNode];
      // skew the two handshakes against each other differently in each round
      a.faults.setLatency(b.name, { delayMs: (round % 4) * 3, jitterMs: 4 });
      b.faults.setLatency(a.name, { delayMs: ((round + 2) % 4) * 3, jitterMs: 4 });
      let downs = 0;
      a.monitorNodes((e) => e.event === 'nodedown' && downs++);
      b.monitorNodes((e) => e.event === 'nodedown' && downs++);
      const ok = await Promise.all([
        a.connect(`127.0.0.1:${b.address.port}`),
        b.connect(`127.0.0.1:${a.address.port}`),
      ]);
      expect(ok).toEqual([true, true]);
      // a link the other end dropped would go down at once (connection_closed)
      await new Promise((r) => setTimeout(r, 100));
      expect(downs).toBe(0);
      expect(a.nodes()).toEqual([b.name]);
      expect(b.nodes()).toEqual([a.name]);
      a.faults.clear();
      b.faults.clear();
      expect(await a.ping(b.name, { timeoutMs: 1000 })).toBe('pong');
      await closeAll(nodes);
    }
  });
});
