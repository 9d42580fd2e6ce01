import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode, FrameEvent, Payload } from '../api.ts';
import { closeAll, collect, startNodes, targetOf, until } from '../testing/index.ts';
import { startPubSub } from './start.ts';

let nodes: ClusterNode[] = [];
afterEach(() => closeAll(nodes));

describe('pubsub on real nodes', () => {
  it('pubsub — broadcast crosses each interested link once, in order, labelled pubsub:<topic>', async () => {
    nodes = await startNodes(4, {}, 'ps');
    const ps = nodes.map((n) => startPubSub(n));
    for (const other of nodes.slice(1)) await nodes[0]!.connect(targetOf(other));
    await until(() => nodes.every((x) => x.nodes().length === 3), 5_000, 'full mesh');
    const got: Payload[][] = nodes.map(() => []);
    // two subscribers on node 1, one on node 2, none on node 3
    ps[1]!.subscribe('prices', (m) => got[1]!.push(m));
    ps[1]!.subscribe('prices', () => undefined);
    ps[2]!.subscribe('prices', (m) => got[2]!.push(m));
    await until(() => ps[0]!.subscribersOf('prices').length === 2, 2_000, 'interest');
    const frames: FrameEvent[] = [];
    nodes[0]!.instrumentation.onFrame(
      collect(frames, (e) => e.direction === 'out' && e.channel === 'pubsub:prices'),
    );
    for (let i = 0; i < 100; i++) ps[0]!.broadcast('prices', { i });
    await until(() => got[1]!.length === 100 && got[2]!.length === 100, 3_000, 'deliveries');
    expect(got[1]!.map((m) => (m as { i: number }).i)).toEqual([...Array(100).keys()]);
    expect(got[2]).toEqual(got[1]);
    expect(got[3]).toEqual([]);
    const perPeer = new Map<string, number>();
    for (const f of frames) perPeer.set(f.peer, (perPeer.get(f.peer) ?? 0) + 1);
    expect(Object.fromEntries(perPeer)).toEqual({ [nodes[1]!.name]: 100, [nodes[2]!.name]: 100 });
  });

  it('pubsub — remsh publish reaches subscribers on other nodes', async () => {
    nodes = await startNodes(2, {}, 'ps');
    const ps = nodes.map((n) => startPubSub(n));
    await nodes[0]!.connect(targetOf(nodes[1]!));
    const got: Payload[] = [];
    ps[1]!.subscribe('t', (m) => got.push(m));
    await until(() => ps[0]!.subscribersOf('t').length === 1, 2_000, 'interest');
    expect(
      await nodes[1]!.call(nodes[0]!.name, 'pubsub.publish', { topic: 't', message: [1, 'x'] }),
    ).toEqual({
      nodes: 1,
    });
    await until(() => got.length === 1, 2_000, 'delivery');
    expect(got).toEqual([[1, 'x']]);
  });

  it('pubsub — bytes, strings and JSON keep their type across nodes', async () => {
    nodes = await startNodes(2, {}, 'ps');
    const ps = nodes.map((n) => startPubSub(n));
    await nodes[0]!.connect(targetOf(nodes[1]!));
    const got: Payload[] = [];
    ps[1]!.subscribe('mixed', (m) => got.push(m));
    await until(() => ps[0]!.subscribersOf('mixed').length === 1, 2_000, 'interest');
    ps[0]!.broadcast('mixed', new Uint8Array([1, 2, 3]));
    ps[0]!.broadcast('mixed', 'plain');
    ps[0]!.broadcast('mixed', { deep: [null, 1.5] });
    await until(() => got.length === 3, 2_000, 'deliveries');
    expect(got[0]).toBeInstanceOf(Uint8Array);
    expect([...(got[0] as Uint8Array)]).toEqual([1, 2, 3]);
    expect(got.slice(1)).toEqual(['plain', { deep: [null, 1.5] }]);
  });
});
