import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../api.ts';
import { gossipStrategy } from './gossip.ts';
import { systemClock } from '../clock.ts';
import type { DiscoveryContext, DiscoveryEvent, DiscoveryStrategy } from './types.ts';

/** A free UDP port on loopback, chosen by the kernel. */
async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(resolve));
  return port;
}

function realContext(name: string, address: string) {
  const connected = new Set<string>();
  const events: DiscoveryEvent[] = [];
  const errors: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (m) => errors.push(m),
    error: (m) => errors.push(m),
  };
  const ctx: DiscoveryContext = {
    self: { name, address },
    connect: (target) => {
      connected.add(target);
      return Promise.resolve(true);
    },
    isConnected: (a) => connected.has(a),
    logger,
    clock: systemClock,
    report: (e) => events.push(e),
  };
  return { ctx, connected, events, errors };
}

async function until(cond: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const group = '239.255.42.' + String(100 + (process.pid % 100));
const started: DiscoveryStrategy[] = [];
const sockets: dgram.Socket[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) await s.stop();
  for (const s of sockets.splice(0)) s.close();
});

describe('gossip discovery over real sockets', () => {
  it('gossip discovery — two strategies in one process find each other', async () => {
    const port = await freeUdpPort();
    const a = realContext('a@127.0.0.1', '127.0.0.1:9201');
    const b = realContext('b@127.0.0.1', '127.0.0.1:9202');
    for (const [c, cookie] of [
      [a, 'c1'],
      [b, 'c1'],
    ] as const) {
      const s = gossipStrategy({ cookie, group, port, intervalMs: 100 });
      started.push(s);
      await s.start(c.ctx);
    }
    await until(() => a.connected.has('127.0.0.1:9202') && b.connected.has('127.0.0.1:9201'));
    expect(a.events.some((e) => e.kind === 'found' && e.targets.includes('127.0.0.1:9202'))).toBe(
      true,
    );
    expect(a.events.some((e) => e.kind === 'connect_result' && e.ok)).toBe(true);
    // it never adds itself
    expect(a.connected.has('127.0.0.1:9201')).toBe(false);
  });

  it('gossip discovery — ignores and counts other cookies and malformed datagrams', async () => {
    const port = await freeUdpPort();
    const a = realContext('a@127.0.0.1', '127.0.0.1:9201');
    const b = realContext('b@127.0.0.1', '127.0.0.1:9202');
    const sa = gossipStrategy({ cookie: 'c1', group, port, intervalMs: 100 });
    const sb = gossipStrategy({ cookie: 'other', group, port, intervalMs: 100 });
    started.push(sa, sb);
    await sa.start(a.ctx);
    await sb.start(b.ctx);
    const raw = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    sockets.push(raw);
    await new Promise<void>((r) => raw.bind(0, '127.0.0.1', r));
    raw.setMulticastInterface('127.0.0.1');
    raw.send('{"v":1,"name":"evil"', port, group);
    await until(
      () =>
        (sa.stats?.().ignored_unauthenticated ?? 0) > 0 &&
        (sa.stats?.().ignored_malformed ?? 0) > 0,
    );
    expect(a.connected.size).toBe(0);
    expect(b.connected.size).toBe(0);
    expect(a.events.some((e) => e.kind === 'ignored' && e.reason === 'malformed')).toBe(true);
    expect(a.errors.some((m) => m.includes('ignored unauthenticated'))).toBe(true);
  });

  it('gossip discovery — a port in use is a logged error and binding is retried', async () => {
    const port = await freeUdpPort();
    // Without SO_REUSEADDR this socket keeps the port to itself.
    const squatter = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    await new Promise<void>((r) => squatter.bind(port, group, r));
    const a = realContext('a@127.0.0.1', '127.0.0.1:9201');
    const s = gossipStrategy({ cookie: 'c1', group, port, intervalMs: 100, bindRetryMs: 100 });
    started.push(s);
    await s.start(a.ctx);
    await until(() => (s.stats?.().bind_errors ?? 0) >= 2);
    expect(
      a.errors.some((m) => m.includes(`cannot bind ${group}:${port}`) && m.includes('EADDRINUSE')),
    ).toBe(true);
    expect(a.events.some((e) => e.kind === 'error' && e.code === 'EADDRINUSE')).toBe(true);
    // once the port is free again the strategy recovers and announces
    await new Promise<void>((r) => squatter.close(r));
    await until(() => (s.stats?.().announcements_sent ?? 0) > 0);
  });

  it('gossip discovery — stop right after start leaves nothing running', async () => {
    const port = await freeUdpPort();
    const a = realContext('a@127.0.0.1', '127.0.0.1:9201');
    const s = gossipStrategy({ cookie: 'c1', group, port, intervalMs: 100 });
    await s.start(a.ctx);
    await s.stop();
    await new Promise((r) => setTimeout(r, 200));
    expect(a.errors).toEqual([]);
    expect(s.stats?.().announcements_sent).toBe(0);
  });
});
