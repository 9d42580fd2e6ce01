import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode, NodeOptions } from './api.ts';
import { NotFullyConnectedError } from './errors.ts';
import { startRegistry } from './registry/index.ts';
import { startShards } from './shards/index.ts';
import { closeAll, startNodes, targetOf, until } from './testing/index.ts';

let nodes: ClusterNode[] = [];
afterEach(() => closeAll(nodes));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** a–b and c–b; resolves once both links are up and a transitive a–c had time to form. */
async function line(
  options: Partial<NodeOptions>[],
): Promise<[ClusterNode, ClusterNode, ClusterNode]> {
  const started: ClusterNode[] = [];
  for (const [i, o] of options.entries()) started.push(...(await startNodes(1, o, `l${i}-`)));
  nodes = started;
  const [a, b, c] = started as [ClusterNode, ClusterNode, ClusterNode];
  expect(await a.connect(targetOf(b))).toBe(true);
  expect(await c.connect(targetOf(b))).toBe(true);
  await until(() => b.nodes().length === 2, 5_000, 'b linked to a and c');
  // a full mesh forms a–c within milliseconds here (one handshake); give it ample time
  await sleep(300);
  return [a, b, c];
}

describe('connect-all — nodes that do not connect transitively (Erlang -connect_all false)', () => {
  it('connect-all — by default a–b and c–b make a full mesh (the control case)', async () => {
    const [a, , c] = await line([{}, {}, {}]);
    await until(() => a.nodes().includes(c.name), 5_000, 'a linked to c');
  });

  it('connect-all — with connectAll false on all three, a never gets c; send and RPC still work per link', async () => {
    const [a, b, c] = await line([
      { connectAll: false },
      { connectAll: false },
      { connectAll: false },
    ]);
    expect(a.connectAll).toBe(false);
    expect(a.nodes()).toEqual([b.name]);
    expect(c.nodes()).toEqual([b.name]);
    expect(b.nodes().sort()).toEqual([a.name, c.name].sort());
    b.handle('echo', (x) => x);
    expect(await a.call(b.name, 'echo', 'hi')).toBe('hi');
    expect(await c.call(b.name, 'echo', 'ho')).toBe('ho');
    const got: unknown[] = [];
    c.register('inbox', (m, from) => got.push([m, from]));
    b.send({ name: 'inbox', node: c.name }, 1);
    a.send({ name: 'inbox', node: c.name }, 2); // no link a–c: dropped and counted
    await until(() => got.length === 1, 5_000, 'b → c');
    expect(got).toEqual([[1, b.name]]);
    expect(a.stats().dropped_noconnection).toBe(1);
    // an explicit connect still links a and c
    expect(await a.connect(targetOf(c))).toBe(true);
    expect(a.nodes().sort()).toEqual([b.name, c.name].sort());
  });

  it('connect-all — connectAll false on the hub alone keeps the spokes apart (it tells no one of the other)', async () => {
    const [a, b, c] = await line([{}, { connectAll: false }, {}]);
    expect(a.nodes()).toEqual([b.name]);
    expect(c.nodes()).toEqual([b.name]);
  });

  it('connect-all — the global registry refuses a name while the linked nodes are not all linked, with a code', async () => {
    const [a, b, c] = await line([
      { connectAll: false },
      { connectAll: false },
      { connectAll: false },
    ]);
    const [ra, rb] = [startRegistry(a), startRegistry(b), startRegistry(c)];
    const refusal = await rb.register('leader').catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(NotFullyConnectedError);
    expect((refusal as NotFullyConnectedError).code).toBe('not_fully_connected');
    expect((refusal as Error).message).toMatch(/l0-0@127\.0\.0\.1 is linked to l1-0@127\.0\.0\.1/);
    await expect(ra.register('leader')).rejects.toMatchObject({ code: 'not_fully_connected' });
    expect(rb.whereis('leader')).toBeUndefined();
    // once every node is linked to every other, the same registration goes through
    expect(await a.connect(targetOf(c))).toBe(true);
    await until(() => c.nodes().length === 2, 5_000, 'c linked to a and b');
    expect(await ra.register('leader')).toBe(true);
    await until(() => rb.whereis('leader') === a.name, 5_000, 'b sees a own the name');
  });

  it('connect-all — shards refuse to start on a node that does not join the full mesh', async () => {
    nodes = await startNodes(1, { connectAll: false }, 'sh');
    const [a] = nodes as [ClusterNode];
    // refused before the store is opened: this file is never created
    const store = `file:${join(tmpdir(), `connect-all-${process.pid}.db`)}`;
    expect(() => startShards(a, { members: [a.name], store })).toThrow(NotFullyConnectedError);
  });
});
