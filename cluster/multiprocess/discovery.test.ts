/**
 * Multi-process tests of `observatory node --discovery gossip|dns` and of the remsh entries for
 * the global registry and pub/sub: real CLI node processes on loopback, a DNS server (dns2) and a
 * test node in this process.
 */
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import type DNS from 'dns2';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode, Payload } from '../api.ts';
import { startNode } from '../index.ts';
import { startPubSub } from '../pubsub/index.ts';
import { startRegistry } from '../registry/index.ts';
import { remshArgs, startCliNode, TEST_COOKIE, type StartedNode } from './testing/cli-nodes.ts';
import { killAll, runToEnd, spawnCli } from './testing/processes.ts';

const require = createRequire(import.meta.url);
const dns2 = require('dns2') as typeof DNS;
const { Packet } = dns2;
/** dns2's Resource type wants an encoder the server adds itself. */
const rr = (record: Omit<DNS.Packet.Resource, 'toBuffer'>) => record as DNS.Packet.Resource;

const EVENT_TIMEOUT_MS = 15_000;
const RUN_TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = 90_000;

let local: ClusterNode | undefined;
let dnsServer: DNS.DnsServer | undefined;

afterEach(async () => {
  await local?.close();
  local = undefined;
  await dnsServer?.close();
  dnsServer = undefined;
  await killAll();
});

const nodeup = (n: StartedNode, peer: string) =>
  n.child.stdout.event('nodeup', { node: peer }, EVENT_TIMEOUT_MS);

async function fullMesh(nodes: readonly StartedNode[]): Promise<void> {
  await Promise.all(
    nodes.flatMap((n) => nodes.filter((p) => p !== n).map((p) => nodeup(n, p.name))),
  );
}

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(r));
  return port;
}

/** A DNS server answering `_dist._tcp.obs.test` SRV with one record per port in `ports`. */
async function srvServer(ports: Set<number>): Promise<number> {
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [q] = request.questions;
      if (q?.name === '_dist._tcp.obs.test' && q.type === Packet.TYPE.SRV) {
        for (const port of ports) {
          response.answers.push(
            rr({
              name: q.name,
              type: Packet.TYPE.SRV,
              class: Packet.CLASS.IN,
              ttl: 1,
              priority: 0,
              weight: 1,
              port,
              target: 'node.obs.test',
            }),
          );
        }
      } else if (q?.name === 'node.obs.test' && q.type === Packet.TYPE.A) {
        response.answers.push(
          rr({
            name: q.name,
            type: Packet.TYPE.A,
            class: Packet.CLASS.IN,
            ttl: 1,
            address: '127.0.0.1',
          }),
        );
      } else {
        response.header.rcode = 3; // NXDOMAIN
      }
      void send(response);
    },
  });
  dnsServer = server;
  const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  if (!addresses.udp) throw new Error('DNS server did not listen on UDP');
  return addresses.udp.port;
}

describe('multiprocess discovery', () => {
  it(
    'multiprocess discovery — three gossip nodes form a full mesh and print discovery events',
    async () => {
      const group = `239.255.44.${1 + (process.pid % 200)}`;
      const port = String(await freeUdpPort());
      const gossip = ['--discovery', 'gossip', '--gossip-group', group, '--gossip-port', port];
      const args = [...gossip, '--gossip-interval', '200'];
      const nodes = await Promise.all(['ga', 'gb', 'gc'].map((n) => startCliNode(n, { args })));
      await fullMesh(nodes);
      const first = nodes[0]!;
      await first.child.stdout.event('discovery', { kind: 'found', strategy: 'gossip' }, 5_000);
      // Whoever heard an announcement first dialled; a node dialled by both others before its
      // own strategy found them has nothing left to try, so one connect result is all we ask.
      await Promise.any(
        nodes.map((n) => n.child.stdout.event('discovery', { kind: 'connect_result' }, 5_000)),
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'multiprocess discovery — dns nodes find each other through SRV records',
    async () => {
      const ports = new Set<number>();
      const resolverPort = await srvServer(ports);
      const args = [
        '--discovery',
        'dns',
        '--dns-name',
        '_dist._tcp.obs.test',
        '--dns-type',
        'SRV',
        '--dns-resolver',
        `127.0.0.1:${resolverPort}`,
        '--dns-interval',
        '200',
      ];
      const a = await startCliNode('da', { args });
      ports.add(a.port);
      const b = await startCliNode('db', { args });
      ports.add(b.port);
      const c = await startCliNode('dc', { args });
      ports.add(c.port);
      await fullMesh([a, b, c]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'multiprocess discovery — bad discovery options exit 2 naming the flag',
    async () => {
      const bad = await runToEnd(
        spawnCli('bad discovery', [
          'node',
          ...['--name', 'a', '--port', '0', '--cookie', 'C'],
          ...['--discovery', 'dns', '--dns-type', 'MX'],
        ]),
        RUN_TIMEOUT_MS,
      );
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain('--dns-name: a DNS name to resolve is required');
      expect(bad.stderr).toContain('--dns-type:');
    },
    TEST_TIMEOUT_MS,
  );
});

describe('multiprocess remsh services', () => {
  it(
    'multiprocess remsh services — registered, whereis and publish reach the real registry and pub/sub',
    async () => {
      const a = await startCliNode('a');
      const b = await startCliNode('b', { seeds: [a] });
      await Promise.all([nodeup(a, b.name), nodeup(b, a.name)]);

      // This process joins as a third node that owns a name and subscribes to a topic.
      local = await startNode({ name: 'tester', cookie: TEST_COOKIE, port: 0 });
      const registry = startRegistry(local);
      const pubsub = startPubSub(local);
      const got: Payload[] = [];
      pubsub.subscribe('news', (message) => got.push(message));
      expect(await local.connect(a.target)).toBe(true);
      await Promise.all([nodeup(a, local.name), nodeup(b, local.name)]);
      expect(await registry.register('leader')).toBe(true);

      const remsh = (target: StartedNode, command: string) =>
        runToEnd(spawnCli(`remsh ${command}`, remshArgs(target.target, command)), RUN_TIMEOUT_MS);
      const listed = await remsh(b, 'registered');
      expect(listed.status).toBe(0);
      expect(listed.stdout).toMatch(new RegExp(`^leader\\s+${local.name}$`, 'm'));
      const where = await remsh(a, 'whereis leader');
      expect(where.stdout.trim()).toBe(local.name);
      const missing = await remsh(a, 'whereis nobody');
      expect(missing.stdout.trim()).toBe('nobody is not registered');

      const published = await remsh(b, 'publish news {"headline":"up"}');
      expect(published.status).toBe(0);
      expect(published.stdout).toMatch(/published to 1 node with subscribers/);
      const deadline = Date.now() + 5_000;
      while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(got).toEqual([{ headline: 'up' }]);
    },
    TEST_TIMEOUT_MS,
  );
});
