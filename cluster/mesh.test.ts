import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode, DownReason, Logger, MembershipEvent } from './api.ts';
import { startNode } from './index.ts';
import { closeAll, COOKIE, nextEvent, startNodes, targetOf, until } from './testing/index.ts';

let nodes: ClusterNode[] = [];
afterEach(() => closeAll(nodes));

const sorted = (xs: string[]) => [...xs].sort();

describe('mesh — membership over real sockets', () => {
  it('mesh — connections are transitive: a full mesh forms from a chain', async () => {
    nodes = await startNodes(4);
    const [a, b, c, d] = nodes as [ClusterNode, ClusterNode, ClusterNode, ClusterNode];
    await b.connect(targetOf(a));
    await c.connect(targetOf(b));
    await d.connect(targetOf(c));
    await until(() => nodes.every((n) => n.nodes().length === 3), 3000, 'full mesh');
    expect(sorted(a.nodes())).toEqual(sorted([b.name, c.name, d.name]));
    expect(sorted(d.nodes())).toEqual(sorted([a.name, b.name, c.name]));
  });

  it('mesh — simultaneous connects resolve to exactly one link', async () => {
    nodes = await startNodes(2);
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    const ups: MembershipEvent[] = [];
    a.monitorNodes((e) => ups.push(e));
    const [ra, rb] = await Promise.all([a.connect(targetOf(b)), b.connect(targetOf(a))]);
    expect([ra, rb]).toEqual([true, true]);
    await new Promise((r) => setTimeout(r, 50));
    expect(ups.filter((e) => e.event === 'nodeup')).toHaveLength(1);
    expect(ups.filter((e) => e.event === 'nodedown')).toHaveLength(0);
    expect(await a.ping(b.name)).toBe('pong');
  });

  it('mesh — a dial to a peer whose own dial to us is in handshake waits for it: no second socket', async () => {
    nodes = await startNodes(2);
    // n1 > n0: were n0 to dial n1 now, n1 would refuse it (its own dial wins), a wasted handshake
    const [b, a] = nodes as [ClusterNode, ClusterNode];
    // a dials b through a proxy that passes the HELLO at once and holds the rest for 300 ms, so
    // b sees a's handshake (a claim of a's name) well before it ends
    let sockets = 0;
    const proxy = net.createServer((client) => {
      sockets++;
      const upstream = net.connect(b.address.port, '127.0.0.1');
      let first = true;
      client.on('data', (chunk: Buffer) => {
        if (first) upstream.write(chunk);
        else setTimeout(() => upstream.write(chunk), 300);
        first = false;
      });
      upstream.on('data', (chunk: Buffer) => client.write(chunk));
      for (const [s, other] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        s.on('close', () => other.destroy());
        s.on('error', () => {});
      }
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (proxy.address() as net.AddressInfo).port;
      const viaProxy = a.connect(`${b.name}:${port}`);
      await until(() => b.stats().handshake_arbitrations === 0 && sockets === 1, 2_000);
      await new Promise((r) => setTimeout(r, 100)); // the HELLO is at b, the rest held
      expect(await b.connect(targetOf(a))).toBe(true);
      expect(await viaProxy).toBe(true);
      expect(b.nodes()).toEqual([a.name]);
      expect(a.stats().handshake_arbitrations).toBe(0);
      expect(b.stats().handshake_arbitrations).toBe(0);
    } finally {
      proxy.close();
    }
  });

  it('mesh — simultaneous dials are arbitration: no warning, logged at debug and counted', async () => {
    const lines: { level: string; msg: string }[] = [];
    const logger = Object.fromEntries(
      (['debug', 'info', 'warn', 'error'] as const).map((level) => [
        level,
        (msg: string) => lines.push({ level, msg }),
      ]),
    ) as unknown as Logger;
    for (let round = 0; round < 5; round++) {
      const pair = await startNodes(2, { logger }, `s${round}-`);
      nodes.push(...pair);
      const [a, b] = pair as [ClusterNode, ClusterNode];
      await Promise.all([a.connect(targetOf(b)), b.connect(targetOf(a))]);
    }
    const arbitrations = nodes.reduce((n, node) => n + node.stats().handshake_arbitrations!, 0);
    expect(arbitrations).toBeGreaterThan(0);
    expect(lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
    expect(lines.some((l) => l.level === 'debug' && l.msg.startsWith('handshake'))).toBe(true);
  });

  it('mesh — connecting again to a linked peer answers true, by name or by address alone, and keeps the link', async () => {
    nodes = await startNodes(2);
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    const events: MembershipEvent[] = [];
    a.monitorNodes((e) => events.push(e));
    expect(await a.connect(targetOf(b))).toBe(true);
    expect(await a.connect(targetOf(b))).toBe(true);
    expect(await a.connect(`127.0.0.1:${b.address.port}`)).toBe(true);
    expect(await b.connect(`127.0.0.1:${a.address.port}`)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(events.map((e) => e.event)).toEqual(['nodeup']);
    expect(await a.ping(b.name)).toBe('pong');
  });

  it('mesh — a failed connect says why: refused port, wrong cookie', async () => {
    nodes = await startNodes(1);
    const [a] = nodes as [ClusterNode];
    const other = await startNode({ name: 'other', cookie: 'another-cookie' });
    nodes.push(other);
    const closed = await startNode({ name: 'gone', cookie: COOKIE });
    const closedPort = closed.address.port;
    await closed.close();
    const reasons: string[] = [];
    const onFailure = (reason: string) => reasons.push(reason);
    expect(await a.connect(`127.0.0.1:${closedPort}`, { onFailure })).toBe(false);
    expect(await a.connect(targetOf(other), { onFailure })).toBe(false);
    expect(await a.connect(targetOf(a), { onFailure })).toBe(true);
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toMatch(/ECONNREFUSED/);
    expect(reasons[1]).toMatch(/cookie/);
  });

  it('mesh — a hidden node connects without joining the mesh', async () => {
    nodes = await startNodes(2);
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    await a.connect(targetOf(b));
    const h = await startNode({ name: 'shell', cookie: COOKIE, hidden: true });
    nodes.push(h);
    const up = nextEvent(a, (e) => e.event === 'nodeup');
    expect(await h.connect(targetOf(a))).toBe(true);
    expect((await up).hidden).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(a.nodes()).toEqual([b.name]);
    expect(sorted(a.nodes({ hidden: true }))).toEqual(sorted([b.name, h.name]));
    expect(b.nodes({ hidden: true })).toEqual([a.name]); // not pulled into the mesh
    expect(h.nodes()).toEqual([]);
    expect(h.nodes({ hidden: true })).toEqual([a.name]);
  });

  it('mesh — duplicate names and wrong cookies are refused without nodeup', async () => {
    nodes = await startNodes(1);
    const [a] = nodes as [ClusterNode];
    const b1 = await startNode({ name: 'dup', cookie: COOKIE });
    const b2 = await startNode({ name: 'dup', cookie: COOKIE });
    const evil = await startNode({ name: 'evil', cookie: 'wrong' });
    nodes.push(b1, b2, evil);
    const ups: string[] = [];
    a.monitorNodes((e) => e.event === 'nodeup' && ups.push(e.node));
    expect(await b1.connect(targetOf(a))).toBe(true);
    expect(await b2.connect(targetOf(a))).toBe(false);
    expect(await evil.connect(targetOf(a))).toBe(false);
    expect(await a.connect(targetOf(evil))).toBe(false);
    expect(ups).toEqual([b1.name]);
    expect(evil.nodes({ hidden: true })).toEqual([]);
    expect(a.stats().handshake_failures).toBeGreaterThanOrEqual(1);
    expect(evil.stats().handshake_failures).toBeGreaterThanOrEqual(1);
  });

  it('mesh — ping answers pong, pang for unknown nodes; disconnect fires nodedown on both sides', async () => {
    nodes = await startNodes(2);
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    expect(await a.ping(b.name)).toBe('pang');
    await a.connect(targetOf(b));
    expect(await a.ping(b.name)).toBe('pong');
    const downB = nextEvent(b, (e) => e.event === 'nodedown');
    const downA = nextEvent(a, (e) => e.event === 'nodedown');
    expect(a.disconnect(b.name)).toBe(true);
    expect(a.disconnect(b.name)).toBe(false);
    expect(((await downA) as { reason: string }).reason).toBe('disconnect');
    expect(((await downB) as { reason: string }).reason).toBe('disconnect');
    expect(a.nodes()).toEqual([]);
    // ping reconnects to a node seen before, as net_adm:ping does
    expect(await a.ping(b.name)).toBe('pong');
  });

  it('mesh — monitors fire DOWN noproc on unregister and noconnection on node loss', async () => {
    nodes = await startNodes(2);
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    b.register('svc', () => {});
    b.register('other', () => {});
    await a.connect(targetOf(b));
    const downs: [string, DownReason][] = [];
    a.monitor({ name: 'missing', node: b.name }, (r) => downs.push(['missing', r]));
    a.monitor({ name: 'svc', node: b.name }, (r) => downs.push(['svc', r]));
    a.monitor({ name: 'other', node: b.name }, (r) => downs.push(['other', r]));
    const gone = a.monitor({ name: 'other', node: b.name }, (r) => downs.push(['demonitored', r]));
    a.demonitor(gone);
    await until(() => downs.length === 1);
    b.unregister('svc');
    await until(() => downs.length === 2);
    await b.close();
    await until(() => downs.length === 3);
    expect(downs).toEqual([
      ['missing', 'noproc'],
      ['svc', 'noproc'],
      ['other', 'noconnection'],
    ]);
    const late: DownReason[] = [];
    a.monitor({ name: 'x', node: b.name }, (r) => late.push(r));
    a.monitor({ name: 'x', node: a.name }, (r) => late.push(r));
    await until(() => late.length === 2);
    expect(late).toEqual(['noconnection', 'noproc']);
  });

  it('mesh — a pending call fails with noconnection when the peer goes away', async () => {
    nodes = await startNodes(2);
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    b.handle('hang', () => new Promise(() => {}));
    await a.connect(targetOf(b));
    const p = a.call(b.name, 'hang', null, { timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 20));
    await b.close();
    await expect(p).rejects.toMatchObject({ code: 'noconnection' });
  });

  it('mesh — an aborted call rejects with aborted and aborts the remote handler', async () => {
    nodes = await startNodes(2);
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    let remoteAborted = false;
    b.handle(
      'wait',
      (_x, ctx) =>
        new Promise((r) => ctx.signal.addEventListener('abort', () => r((remoteAborted = true)))),
    );
    await a.connect(targetOf(b));
    const ac = new AbortController();
    const p = a.call(b.name, 'wait', null, { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await expect(p).rejects.toMatchObject({ code: 'aborted' });
    await until(() => remoteAborted);
  });
});
