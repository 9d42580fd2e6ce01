import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { dnsStrategy, type DnsResolverPort } from './dns.ts';
import { fakeContext } from './testing/fake-context.ts';
import type { DiscoveryStrategy } from './types.ts';
import type DNS from 'dns2';

const require = createRequire(import.meta.url);
const dns2 = require('dns2') as typeof DNS;
const { Packet } = dns2;
const NXDOMAIN = 3;
/** dns2's Resource type wants an encoder the server adds itself. */
const rr = (record: Omit<DNS.Packet.Resource, 'toBuffer'>) => record as DNS.Packet.Resource;

const opts = { initialMs: 100, maxMs: 1_000, jitter: 0, recheckIntervalMs: 50, intervalMs: 1_000 };

function fakeResolver(answers: Map<string, string[] | Error>): DnsResolverPort {
  const get = (key: string) => {
    const a = answers.get(key);
    if (a instanceof Error) return Promise.reject(a);
    if (!a)
      return Promise.reject(
        Object.assign(new Error(`queryA ENOTFOUND ${key}`), { code: 'ENOTFOUND' }),
      );
    return Promise.resolve(a);
  };
  return {
    resolve4: (name) => get(`A ${name}`),
    resolve6: (name) => get(`AAAA ${name}`),
    resolveSrv: async (name) =>
      (await get(`SRV ${name}`)).map((s) => {
        const [host = '', port = '0'] = s.split(':');
        return { name: host, port: Number(port) };
      }),
  };
}

const started: DiscoveryStrategy[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) await s.stop();
});

describe('dns discovery with a fake resolver', () => {
  it('dns discovery — A records with the configured port become targets, re-polled', async () => {
    const f = fakeContext('127.0.0.1:9000');
    const answers = new Map<string, string[] | Error>([
      ['A svc.local', ['127.0.0.1', '127.0.0.2']],
    ]);
    f.reachable.add('127.0.0.2:9000');
    f.reachable.add('127.0.0.3:9000');
    const s = dnsStrategy({ ...opts, query: 'svc.local', port: 9000 }, () => fakeResolver(answers));
    started.push(s);
    await s.start(f.ctx);
    await f.clock.advanceAsync(0);
    // 127.0.0.1:9000 is this node itself
    expect([...f.connected]).toEqual(['127.0.0.2:9000']);
    answers.set('A svc.local', ['127.0.0.2', '127.0.0.3']);
    await f.clock.advanceAsync(1_000);
    expect([...f.connected].sort()).toEqual(['127.0.0.2:9000', '127.0.0.3:9000']);
    expect(f.events.filter((e) => e.kind === 'found')).toHaveLength(2);
  });

  it('dns discovery — an unresolvable name is a logged error and is retried', async () => {
    const f = fakeContext();
    const answers = new Map<string, string[] | Error>();
    const s = dnsStrategy({ ...opts, query: 'nope.local', port: 9000 }, () =>
      fakeResolver(answers),
    );
    started.push(s);
    await s.start(f.ctx);
    await f.clock.advanceAsync(3_000);
    expect(s.stats?.().resolution_errors).toBe(4);
    const errors = f.logs.filter((l) => l.level === 'error');
    // one loud line per distinct failure, not one per poll
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toContain('cannot resolve A nope.local (ENOTFOUND');
    expect(f.events.filter((e) => e.kind === 'error' && e.code === 'ENOTFOUND')).toHaveLength(4);
    answers.set('A nope.local', ['127.0.0.5']);
    f.reachable.add('127.0.0.5:9000');
    await f.clock.advanceAsync(1_000);
    expect(f.connected.has('127.0.0.5:9000')).toBe(true);
  });

  it('dns discovery — a port is required for A records', () => {
    expect(() => dnsStrategy({ query: 'x' })).toThrow(/port is required/);
  });
});

describe('dns discovery against a real DNS server on loopback', () => {
  let server: DNS.DnsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function startServer(): Promise<number> {
    const s = dns2.createServer({
      udp: true,
      handle: (request, send) => {
        const response = Packet.createResponseFromRequest(request);
        const [q] = request.questions;
        if (q?.name === 'nodes.cluster.test' && q.type === Packet.TYPE.A) {
          for (const address of ['127.0.0.1', '127.0.0.2']) {
            response.answers.push(
              rr({ name: q.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 1, address }),
            );
          }
        } else if (q?.name === '_dist._tcp.cluster.test' && q.type === Packet.TYPE.SRV) {
          for (const [target, port] of [
            ['n1.cluster.test', 9301],
            ['n2.cluster.test', 9302],
          ] as const) {
            response.answers.push(
              rr({
                name: q.name,
                type: Packet.TYPE.SRV,
                class: Packet.CLASS.IN,
                ttl: 1,
                priority: 0,
                weight: 1,
                port,
                target,
              }),
            );
          }
        } else if (
          q?.name.startsWith('n') &&
          q.name.endsWith('.cluster.test') &&
          q.type === Packet.TYPE.A
        ) {
          const address = q.name.startsWith('n1') ? '127.0.0.3' : '127.0.0.4';
          response.answers.push(
            rr({ name: q.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 1, address }),
          );
        } else {
          response.header.rcode = NXDOMAIN;
        }
        void send(response);
      },
    });
    server = s;
    const addresses = await s.listen({ udp: { port: 0, address: '127.0.0.1' } });
    if (!addresses.udp) throw new Error('DNS server did not listen on UDP');
    return addresses.udp.port;
  }

  it('dns discovery — resolves A records through a configured resolver', async () => {
    const port = await startServer();
    const f = fakeContext('127.0.0.1:9000');
    const s = dnsStrategy({
      ...opts,
      query: 'nodes.cluster.test',
      port: 9000,
      servers: [`127.0.0.1:${port}`],
    });
    started.push(s);
    await s.start(f.ctx);
    await f.clock.advanceAsync(0);
    const found = f.events.find((e) => e.kind === 'found');
    expect(found?.kind === 'found' && found.targets).toEqual(['127.0.0.2:9000']);
    expect(f.attempts).toEqual(['127.0.0.2:9000']);
  });

  it('dns discovery — resolves SRV records to addresses and ports', async () => {
    const port = await startServer();
    const f = fakeContext('127.0.0.1:9000');
    const s = dnsStrategy({
      ...opts,
      query: '_dist._tcp.cluster.test',
      recordType: 'SRV',
      servers: [`127.0.0.1:${port}`],
    });
    started.push(s);
    await s.start(f.ctx);
    await f.clock.advanceAsync(0);
    expect([...f.attempts].sort()).toEqual(['127.0.0.3:9301', '127.0.0.4:9302']);
  });

  it('dns discovery — NXDOMAIN from the real server is a logged error', async () => {
    const port = await startServer();
    const f = fakeContext();
    const s = dnsStrategy({
      ...opts,
      query: 'missing.cluster.test',
      port: 9000,
      servers: [`127.0.0.1:${port}`],
    });
    started.push(s);
    await s.start(f.ctx);
    expect(f.logs.some((l) => l.level === 'error' && l.msg.includes('ENOTFOUND'))).toBe(true);
    expect(s.stats?.().resolution_errors).toBe(1);
  });
});
