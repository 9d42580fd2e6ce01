/**
 * Time from a node's start to full mesh, per discovery strategy, with default intervals: two
 * nodes already meshed by the strategy, then a third starts; the clock runs from its startNode
 * call until all three see each other. Baseline: the same join by a direct `connect()` call.
 * Target (issue 4): gossip and dns ≤ 2 s.
 *
 *   npx tsx bench/discovery.bench.ts [--json] [--quick]
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import type DNS from 'dns2';
import type { ClusterNode } from '../cluster/api.ts';
import {
  startDiscovery,
  type Discovery,
  type DiscoveryConfigInput,
} from '../cluster/discovery/index.ts';
import { startNode } from '../cluster/index.ts';
import type { BenchRow } from './report.ts';
import { runDirectly } from './run-directly.ts';

const BENCH = 'discovery';
const dns2 = createRequire(import.meta.url)('dns2') as typeof DNS;
type Strategy = 'connect' | 'static' | 'gossip' | 'dns';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(r));
  return port;
}

async function dnsServer(
  ports: number[],
): Promise<{ address: string; close: () => Promise<void> }> {
  const { Packet } = dns2;
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [q] = request.questions;
      const base = { name: q?.name ?? '', class: Packet.CLASS.IN, ttl: 1 };
      if (q?.type === Packet.TYPE.SRV) {
        for (const port of ports) {
          const rr = {
            ...base,
            type: Packet.TYPE.SRV,
            priority: 0,
            weight: 1,
            port,
            target: 'h.bench.test',
          };
          response.answers.push(rr as DNS.Packet.Resource);
        }
      } else if (q?.type === Packet.TYPE.A) {
        response.answers.push({
          ...base,
          type: Packet.TYPE.A,
          address: '127.0.0.1',
        } as DNS.Packet.Resource);
      }
      void send(response);
    },
  });
  const listening = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  return { address: `127.0.0.1:${listening.udp?.port ?? 0}`, close: () => server.close() };
}

async function joinOnce(strategy: Strategy): Promise<number> {
  const cookie = randomBytes(8).toString('hex');
  const nodes: ClusterNode[] = [];
  const discoveries: Discovery[] = [];
  const ports: number[] = [];
  const dns = strategy === 'dns' ? await dnsServer(ports) : undefined;
  const gossip = { group: `239.255.44.${1 + (process.pid % 200)}`, port: await freeUdpPort() };
  const configFor = (): DiscoveryConfigInput | undefined => {
    if (strategy === 'static')
      return { strategy, seeds: nodes.map((n) => `127.0.0.1:${n.address.port}`) };
    if (strategy === 'gossip') return { strategy, ...gossip };
    if (strategy === 'dns')
      return { strategy, query: '_d._tcp.bench.test', recordType: 'SRV', servers: [dns!.address] };
    return undefined;
  };
  const join = async (name: string) => {
    const config = configFor();
    const node = await startNode({ name, cookie, port: 0 });
    ports.push(node.address.port);
    if (config) discoveries.push(await startDiscovery(node, config, { cookie }));
    else if (nodes[0]) await node.connect(`127.0.0.1:${nodes[0].address.port}`);
    nodes.push(node);
    return node;
  };
  const meshed = () => nodes.every((n) => n.nodes().length === nodes.length - 1);
  try {
    await join('d1');
    await join('d2');
    for (let i = 0; i < 1_000 && !meshed(); i++) await sleep(10);
    const t0 = performance.now();
    await join('d3');
    for (let i = 0; i < 20_000 && !meshed(); i++) await sleep(1);
    if (!meshed()) return Number.NaN;
    return performance.now() - t0;
  } finally {
    await Promise.all(discoveries.map((d) => d.stop()));
    await Promise.all(nodes.map((n) => n.close()));
    await dns?.close();
  }
}

export async function runDiscoveryBench(
  options: { quick?: boolean; log?: (l: string) => void } = {},
) {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const repeats = options.quick ? 1 : 5;
  const median = (xs: number[]) =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const times: Record<Strategy, number[]> = { connect: [], static: [], gossip: [], dns: [] };
  for (let r = 0; r < repeats; r++) {
    for (const s of ['connect', 'static', 'gossip', 'dns'] as const)
      times[s].push(await joinOnce(s));
  }
  log(`discovery bench: ${repeats} joins per strategy`);
  const baseline = median(times.connect);
  return (['static', 'gossip', 'dns'] as const).map((s): BenchRow => {
    const value = median(times[s]);
    return {
      bench: BENCH,
      metric: `start to full mesh (3 nodes), ${s}`,
      value,
      unit: 'ms',
      baseline,
      ratio: value / baseline,
      ...(s === 'static' ? {} : { target: '≤ 2000 ms', pass: value <= 2_000 }),
      note: 'baseline: explicit connect(); default intervals',
    };
  });
}

export default runDiscoveryBench;

await runDirectly(import.meta.url, runDiscoveryBench);
