import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode } from './api.ts';
import { closeAll, startNodes, targetOf, until } from './testing/index.ts';

let nodes: ClusterNode[] = [];
afterEach(() => closeAll(nodes));

const MiB = 1024 * 1024;

describe('bulk — small messages beside a large one on the same link', () => {
  it('bulk — a call and a send to another name overtake a 64 MiB message; a send to its name follows it', async () => {
    nodes = await startNodes(2);
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    await a.connect(targetOf(b));
    b.handle('echo', (x) => x);
    const events: string[] = [];
    b.register('bulk', (m) => events.push(`bulk ${(m as Uint8Array).length}`));
    b.register('other', (m) => events.push(`other ${JSON.stringify(m)}`));
    const big = new Uint8Array(64 * MiB);
    big[big.length - 1] = 7;
    a.send({ name: 'bulk', node: b.name }, big);
    a.send({ name: 'bulk', node: b.name }, 'after'); // same name: waits for the big one
    a.send({ name: 'other', node: b.name }, 1);
    a.send({ name: 'other', node: b.name }, 2);
    const answer = await a.call(b.name, 'echo', 'ping', { timeoutMs: 30_000 });
    events.push(`reply ${JSON.stringify(answer)}`);
    await until(() => events.length === 5, 30_000, 'every message');
    // small ones did not wait for 64 MiB to cross; the one to the big message's name did
    expect(events.indexOf('bulk 67108864')).toBeGreaterThan(events.indexOf('reply "ping"'));
    expect(events.indexOf('other 1')).toBeLessThan(events.indexOf('other 2'));
    expect(events.indexOf('other 2')).toBeLessThan(events.indexOf('bulk 67108864'));
    expect(events[events.length - 1]).toBe('bulk 5');
    expect(a.stats().protocol_errors ?? 0).toBe(0);
    expect(b.stats().protocol_errors ?? 0).toBe(0);
  });

  it('bulk — a payload of exactly maxMessageBytes crosses; one byte more throws', async () => {
    nodes = await startNodes(2, { maxMessageBytes: 2 * MiB });
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    await a.connect(targetOf(b));
    let got = -1;
    b.register('in', (m) => (got = (m as Uint8Array).length));
    expect(() => a.send({ name: 'in', node: b.name }, new Uint8Array(2 * MiB + 1))).toThrow(
      /exceeds the maximum message size/,
    );
    a.send({ name: 'in', node: b.name }, new Uint8Array(2 * MiB));
    await until(() => got === 2 * MiB, 10_000, 'the 2 MiB message');
  });
});
