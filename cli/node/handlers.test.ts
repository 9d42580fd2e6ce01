import { describe, expect, it } from 'vitest';
import type { Payload, RpcHandler } from '../../cluster/api.ts';
import { listNodes, registerShellHandlers, SHELL_HANDLERS } from './handlers.ts';

function fakeNode() {
  const handlers = new Map<string, RpcHandler>();
  const addresses: Record<string, string> = { 'b@h': 'h:2', 'z@h': 'h:9' };
  const node = {
    name: 'a@h',
    hidden: false,
    address: { host: 'h', port: 1 },
    nodes: (o?: { hidden?: boolean }) => (o?.hidden === true ? ['z@h', 'b@h', 'r@h'] : ['b@h']),
    addressOf: (n: string) => addresses[n],
    registeredNames: () => ['counter'],
    stats: () => ({ sent: 3 }),
    handle: (name: string, h: RpcHandler) => void handlers.set(name, h),
    ping: (n: string) => Promise.resolve(n === 'b@h' ? ('pong' as const) : ('pang' as const)),
  };
  const call = (name: string, args: Payload) => {
    const h = handlers.get(name);
    if (h === undefined) throw new Error(`no ${name}`);
    return h(args, { from: 'x@h', signal: new AbortController().signal });
  };
  return { node, call, handlers };
}

describe('cli shell handlers', () => {
  it('cli shell handlers — node.nodes separates visible from hidden peers, sorted, with addresses', () => {
    const { node } = fakeNode();
    expect(listNodes(node)).toEqual({
      self: { name: 'a@h', address: 'h:1', hidden: false },
      visible: [{ name: 'b@h', address: 'h:2', hidden: false }],
      hidden: [
        { name: 'r@h', address: null, hidden: true },
        { name: 'z@h', address: 'h:9', hidden: true },
      ],
    });
  });

  it('cli shell handlers — registers name, echo, nodes, info and ping', async () => {
    const { node, call, handlers } = fakeNode();
    registerShellHandlers(node, Date.now());
    expect([...handlers.keys()].sort()).toEqual(Object.values(SHELL_HANDLERS).sort());
    expect(await call(SHELL_HANDLERS.name, null)).toBe('a@h');
    expect(await call(SHELL_HANDLERS.echo, { x: [1] })).toEqual({ x: [1] });
    expect(await call(SHELL_HANDLERS.ping, 'b@h')).toBe('pong');
    expect(await call(SHELL_HANDLERS.info, null)).toMatchObject({
      name: 'a@h',
      pid: process.pid,
      registered: ['counter'],
    });
  });

  it('cli shell handlers — node.ping refuses anything but a node name', async () => {
    const { node, call } = fakeNode();
    registerShellHandlers(node);
    await expect(async () => call(SHELL_HANDLERS.ping, { node: 'b@h' })).rejects.toThrow(
      /node name/,
    );
  });
});
