import { describe, expect, it } from 'vitest';
import type { Payload } from '../api.ts';
import { FakeNet, settle } from '../registry/testing/fake-net.ts';
import { startPubSub } from './start.ts';

function cluster(names: string[]) {
  const net = new FakeNet();
  const nodes = names.map((n) => net.add(n));
  const ps = nodes.map((node) => startPubSub(node));
  net.meshAll();
  return { net, nodes, ps };
}

const topicFrames = (net: FakeNet, topic: string) =>
  net.sent.filter((f) => f.channel === `pubsub:${topic}`);

describe('pubsub on a fake network', () => {
  it('pubsub — broadcast reaches every subscriber on every node, including the publisher', async () => {
    const { ps } = cluster(['a@h', 'b@h', 'c@h']);
    const got: string[] = [];
    ps[0]!.subscribe('t', (m) => got.push(`a:${JSON.stringify(m)}`));
    ps[1]!.subscribe('t', (m, meta) => got.push(`b:${JSON.stringify(m)}:${meta.from}`));
    ps[2]!.subscribe('other', () => got.push('wrong'));
    await settle();
    ps[0]!.broadcast('t', 'hi');
    await settle();
    expect(got.sort()).toEqual(['a:"hi"', 'b:"hi":a@h']);
  });

  it('pubsub — one frame per interested node and none toward nodes without subscribers', async () => {
    const { net, ps } = cluster(['a@h', 'b@h', 'c@h', 'd@h']);
    let count = 0;
    for (let i = 0; i < 5; i++) ps[1]!.subscribe('t', () => count++);
    ps[2]!.subscribe('t', () => count++);
    await settle();
    expect(ps[0]!.broadcast('t', { n: 1 })).toBe(2);
    await settle();
    expect(count).toBe(6);
    const frames = topicFrames(net, 't');
    expect(frames.map((f) => f.to).sort()).toEqual(['b@h', 'c@h']);
  });

  it('pubsub — unsubscribing the last handler stops traffic to that node', async () => {
    const { net, ps } = cluster(['a@h', 'b@h']);
    const got: Payload[] = [];
    const off = ps[1]!.subscribe('t', (m) => got.push(m));
    await settle();
    ps[0]!.broadcast('t', 1);
    await settle();
    off();
    await settle();
    expect(ps[0]!.subscribersOf('t')).toEqual([]);
    ps[0]!.broadcast('t', 2);
    await settle();
    expect(got).toEqual([1]);
    expect(topicFrames(net, 't')).toHaveLength(1);
  });

  it('pubsub — order is preserved per publisher and subscriber', async () => {
    const { ps } = cluster(['a@h', 'b@h', 'c@h']);
    const seen = new Map<string, number[]>();
    ps.forEach((p, i) =>
      p.subscribe('seq', (m, meta) => {
        const key = `${meta.from}->${i}`;
        seen.set(key, [...(seen.get(key) ?? []), m as number]);
      }),
    );
    await settle();
    for (let i = 0; i < 100; i++) {
      ps[0]!.broadcast('seq', i);
      ps[1]!.broadcast('seq', 1_000 + i);
    }
    await settle();
    const fromA = [...Array(100).keys()];
    const fromB = fromA.map((i) => 1_000 + i);
    for (const sub of [0, 1, 2]) {
      expect(seen.get(`a@h->${sub}`)).toEqual(fromA);
      expect(seen.get(`b@h->${sub}`)).toEqual(fromB);
    }
  });

  it('pubsub — localBroadcast stays local and directBroadcast targets one node', async () => {
    const { net, ps } = cluster(['a@h', 'b@h', 'c@h']);
    const got: string[] = [];
    ps.forEach((p, i) => p.subscribe('t', (m) => got.push(`${i}:${JSON.stringify(m)}`)));
    await settle();
    ps[0]!.localBroadcast('t', 'local');
    expect(ps[0]!.directBroadcast('c@h', 't', 'direct')).toBe(true);
    expect(ps[0]!.directBroadcast('z@h', 't', 'nowhere')).toBe(false);
    await settle();
    expect(got.sort()).toEqual(['0:"local"', '2:"direct"']);
    expect(topicFrames(net, 't').map((f) => f.to)).toEqual(['c@h']);
  });

  it('pubsub — interest is exchanged on nodeup and dropped on nodedown', async () => {
    const net = new FakeNet();
    const a = startPubSub(net.add('a@h'));
    const b = startPubSub(net.add('b@h'));
    const got: Payload[] = [];
    b.subscribe('t', (m) => got.push(m));
    net.link('a@h', 'b@h');
    await settle();
    expect(a.subscribersOf('t')).toEqual(['b@h']);
    a.broadcast('t', 'x');
    await settle();
    expect(got).toEqual(['x']);
    net.cut('a@h', 'b@h');
    expect(a.subscribersOf('t')).toEqual([]);
  });

  it('pubsub — a throwing subscriber does not stop the others', () => {
    const { ps } = cluster(['a@h']);
    const got: Payload[] = [];
    ps[0]!.subscribe('t', () => {
      throw new Error('boom');
    });
    ps[0]!.subscribe('t', (m) => got.push(m));
    ps[0]!.broadcast('t', 1);
    expect(got).toEqual([1]);
    expect(ps[0]!.stats().handler_errors).toBe(1);
  });

  it('pubsub — remsh publish handler broadcasts', async () => {
    const { nodes, ps } = cluster(['a@h', 'b@h']);
    const got: Payload[] = [];
    ps[1]!.subscribe('t', (m) => got.push(m));
    await settle();
    expect(
      await nodes[0]!.invoke('r@h', 'pubsub.publish', { topic: 't', message: { x: 1 } }),
    ).toEqual({ nodes: 1 });
    await settle();
    expect(got).toEqual([{ x: 1 }]);
    await expect(nodes[0]!.invoke('r@h', 'pubsub.publish', 42)).rejects.toThrow(/expects/);
  });

  it('pubsub — topics too long for a registered name still work, with types kept', async () => {
    const { net, ps } = cluster(['a@h', 'b@h']);
    const topic = 'x'.repeat(300);
    const got: Payload[] = [];
    ps[1]!.subscribe(topic, (m) => got.push(m));
    await settle();
    ps[0]!.broadcast(topic, new Uint8Array([7, 8]));
    ps[0]!.broadcast(topic, { ok: true });
    expect(ps[0]!.directBroadcast('b@h', topic, 'direct')).toBe(true);
    await settle();
    expect(got).toEqual([new Uint8Array([7, 8]), { ok: true }, 'direct']);
    expect(topicFrames(net, topic)).toHaveLength(3);
  });
});
