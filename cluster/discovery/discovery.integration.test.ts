import { createRequire } from 'node:module';
import type DNS from 'dns2';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode } from '../api.ts';
import { startNode } from '../index.ts';
import { closeAll, COOKIE, startNodes, until } from '../testing/index.ts';
import { startDiscovery, type Discovery } from './start.ts';
import type { DiscoveryEvent } from './types.ts';

const dns2 = createRequire(import.meta.url)('dns2') as typeof DNS;

let nodes: ClusterNode[] = [];
let discoveries: Discovery[] = [];
let dnsServer: DNS.DnsServer | undefined;
afterEach(async () => {
  await dnsServer?.close();
  dnsServer = undefined;
  await Promise.all(discoveries.map((d) => d.stop()));
  await closeAll(nodes);
  discoveries = [];
});

const fast = { backoffInitialMs: 50, backoffMaxMs: 200, recheckIntervalMs: 50 };
const addr = (n: ClusterNode) => `${n.address.host}:${n.address.port}`;

describe('discovery on real nodes', () => {
  it('static discovery — seeds form a full mesh and a restarted seed is reconnected', async () => {
    nodes = await startNodes(3, {}, 'st');
    const [a, b, c] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    const events: DiscoveryEvent[] = [];
    discoveries.push(
      await startDiscovery(
        a,
        { strategy: 'static', seeds: [addr(b), addr(c)], ...fast },
        { onEvent: (e) => events.push(e) },
      ),
    );
    await until(() => nodes.every((n) => n.nodes().length === 2), 5_000, 'full mesh');
    expect(events.filter((e) => e.kind === 'connect_result' && e.ok)).toHaveLength(2);
    // b goes away and comes back on the same port: a reconnects by itself
    const port = b.address.port;
    await b.close();
    await until(() => a.nodes().length === 1, 5_000, 'b down');
    const b2 = await startNode({ name: 'st1', cookie: COOKIE, port });
    nodes[1] = b2;
    await until(() => a.nodes().includes(b2.name), 5_000, 'b reconnected');
    // the reconnect was discovery's doing (nothing else in this cluster dials b)
    const okToB = events.filter(
      (e) => e.kind === 'connect_result' && e.ok && e.target === addr(b2),
    );
    expect(okToB).toHaveLength(2);
  });

  it('static discovery — a seed that is not up yet is joined once it starts', async () => {
    nodes = await startNodes(1, {}, 'late');
    const probe = await startNode({ name: 'probe', cookie: COOKIE });
    const port = probe.address.port;
    await probe.close();
    discoveries.push(
      await startDiscovery(nodes[0]!, {
        strategy: 'static',
        seeds: [`127.0.0.1:${port}`],
        ...fast,
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    const late = await startNode({ name: 'late1', cookie: COOKIE, port });
    nodes.push(late);
    await until(() => nodes[0]!.nodes().includes(late.name), 5_000, 'late seed joined');
  });
});

describe('dns discovery on real nodes', () => {
  it('dns discovery — SRV records from a loopback DNS server form a full mesh', async () => {
    nodes = await startNodes(3, {}, 'dn');
    const ports = nodes.map((n) => n.address.port);
    const { Packet } = dns2;
    const server = dns2.createServer({
      udp: true,
      handle: (request, send) => {
        const response = Packet.createResponseFromRequest(request);
        const [q] = request.questions;
        if (q?.type === Packet.TYPE.SRV && q.name === '_dist._tcp.lab.test') {
          for (const port of ports) {
            const record = { name: q.name, type: Packet.TYPE.SRV, class: Packet.CLASS.IN, ttl: 1 };
            response.answers.push({
              ...record,
              priority: 0,
              weight: 1,
              port,
              target: 'host.lab.test',
            } as DNS.Packet.Resource);
          }
        } else if (q?.type === Packet.TYPE.A && q.name === 'host.lab.test') {
          const record = { name: q.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 1 };
          response.answers.push({ ...record, address: '127.0.0.1' } as DNS.Packet.Resource);
        } else {
          response.header.rcode = 3;
        }
        void send(response);
      },
    });
    dnsServer = server;
    const listening = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
    const resolver = `127.0.0.1:${listening.udp?.port ?? 0}`;
    // every node runs the same config, as pods of one deployment would
    for (const node of nodes) {
      discoveries.push(
        await startDiscovery(node, {
          strategy: 'dns',
          query: '_dist._tcp.lab.test',
          recordType: 'SRV',
          servers: [resolver],
          intervalMs: 200,
          ...fast,
        }),
      );
    }
    await until(() => nodes.every((n) => n.nodes().length === 2), 5_000, 'full mesh');
  });
});
