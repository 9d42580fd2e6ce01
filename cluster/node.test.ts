import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode } from './api.ts';
import {
  NoConnectionError,
  NoSuchHandlerError,
  RemoteExceptionError,
  TimeoutError,
  startNode,
} from './index.ts';
import { closeAll, COOKIE, nextEvent, startNodes, targetOf, until } from './testing/index.ts';

let nodes: ClusterNode[] = [];
afterEach(() => closeAll(nodes));

describe('node — two nodes over real sockets', () => {
  it('node — connect makes both sides see each other and fires nodeup', async () => {
    nodes = await startNodes(2);
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    const upOnB = nextEvent(b, (e) => e.event === 'nodeup');
    expect(await a.connect(targetOf(b))).toBe(true);
    expect((await upOnB).node).toBe(a.name);
    expect(a.nodes()).toEqual([b.name]);
    expect(b.nodes()).toEqual([a.name]);
    expect(a.addressOf(b.name)).toBe(`127.0.0.1:${b.address.port}`);
  });

  it('node — send delivers to a registered name, unknown names are dropped and counted', async () => {
    nodes = await startNodes(2);
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    const got: unknown[] = [];
    b.register('inbox', (m, from) => got.push([m, from]));
    await a.connect(targetOf(b));
    a.send({ name: 'inbox', node: b.name }, { hello: 'world' });
    a.send({ name: 'inbox', node: b.name }, 'text');
    a.send({ name: 'inbox', node: b.name }, new Uint8Array([1, 2, 3]));
    a.send({ name: 'nobody', node: b.name }, 1);
    await until(() => got.length === 3 && b.stats().dropped_unknown_name === 1);
    expect(got[0]).toEqual([{ hello: 'world' }, a.name]);
    expect(got[1]).toEqual(['text', a.name]);
    expect(Array.from((got[2] as [Uint8Array])[0])).toEqual([1, 2, 3]);
  });

  it('node — byte payloads of every size class arrive intact and in order', async () => {
    nodes = await startNodes(2);
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    const got: Uint8Array[] = [];
    b.register('bytes', (m) => got.push(m as Uint8Array));
    await a.connect(targetOf(b));
    const sizes = [0, 100, 20_000, 65_530, 70_000, 200_000, 10];
    const sent = sizes.map((n, k) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + k) & 0xff));
    for (const s of sent) a.send({ name: 'bytes', node: b.name }, s);
    await until(() => got.length === sizes.length);
    expect(got.map((g) => g.length)).toEqual(sizes);
    got.forEach((g, k) => expect(Buffer.from(g).equals(Buffer.from(sent[k]!))).toBe(true));
  });

  it('node — call returns the remote result, errors come back typed', async () => {
    nodes = await startNodes(2);
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    b.handle('whoami', () => b.name);
    b.handle('void', (() => {}) as unknown as () => null);
    b.handle('add', (args) => {
      const [x, y] = args as [number, number];
      return x + y;
    });
    b.handle('boom', () => {
      throw new Error('kaboom');
    });
    b.handle(
      'slow',
      (_a, ctx) => new Promise((r) => ctx.signal.addEventListener('abort', () => r(null))),
    );
    await a.connect(targetOf(b));
    expect(await a.call(b.name, 'whoami', null)).toBe(b.name);
    expect(await a.call(b.name, 'add', [2, 3])).toBe(5);
    expect(await a.call(b.name, 'void', null)).toBeNull();
    await expect(a.call(b.name, 'nope', null)).rejects.toBeInstanceOf(NoSuchHandlerError);
    const err = await a.call(b.name, 'boom', null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteExceptionError);
    expect((err as Error).message).toBe('kaboom');
    await expect(a.call(b.name, 'slow', null, { timeoutMs: 50 })).rejects.toBeInstanceOf(
      TimeoutError,
    );
    await expect(a.call('zz@127.0.0.1', 'whoami', null)).rejects.toBeInstanceOf(NoConnectionError);
  });

  it('node — a handler that reads ctx.signal only after the caller gave up sees it aborted', async () => {
    nodes = await startNodes(2);
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    let seen: boolean | undefined;
    b.handle('late', async (_a, ctx) => {
      await new Promise((r) => setTimeout(r, 150));
      seen = ctx.signal.aborted;
      return null;
    });
    await a.connect(targetOf(b));
    await expect(a.call(b.name, 'late', null, { timeoutMs: 30 })).rejects.toBeInstanceOf(
      TimeoutError,
    );
    await until(() => seen !== undefined, 2_000, 'the handler to finish');
    expect(seen).toBe(true);
  });

  it('node — cast runs the handler without a reply; multicall reports bad nodes', async () => {
    nodes = await startNodes(3);
    const [a, b, c] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    let casts = 0;
    b.handle('inc', () => ++casts);
    for (const n of [a, b, c]) n.handle('name', () => n.name);
    await a.connect(targetOf(b));
    await a.connect(targetOf(c));
    a.cast(b.name, 'inc', null);
    await until(() => casts === 1);
    const r = await a.multicall([a.name, b.name, c.name, 'ghost@127.0.0.1'], 'name', null);
    expect(r.results).toEqual({ [a.name]: a.name, [b.name]: b.name, [c.name]: c.name });
    expect(r.badNodes).toEqual(['ghost@127.0.0.1']);
  });

  it('node — close releases the port and the peer sees nodedown', async () => {
    nodes = await startNodes(2);
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    await a.connect(targetOf(b));
    const down = nextEvent(a, (e) => e.event === 'nodedown');
    await b.close();
    const e = await down;
    expect(e.event === 'nodedown' && e.reason).toBe('connection_closed');
    const again = await startNode({ name: 'again', cookie: COOKIE, port: b.address.port });
    nodes.push(again);
    expect(again.address.port).toBe(b.address.port);
  });
});
