/**
 * Pub/sub fan-out: one publisher (this process) and one subscriber on each of 8 node processes,
 * 100-byte messages. Deliveries per second beside the same fan-out done with plain named sends
 * (`node.send` to a counting endpoint on each node), measured in the same run, rounds interleaved.
 * Target (issue 4): ≥ 200,000 deliveries/s.
 *
 *   npm run bench -- pubsub [--json] [--quick]      (or: npx tsx bench/pubsub.bench.ts [--json])
 */
import { randomBytes } from 'node:crypto';
import type { ClusterNode, NodeName } from '../cluster/api.ts';
import { startNode } from '../cluster/index.ts';
import { killAll } from '../cluster/multiprocess/testing/processes.ts';
import { startPubSub, type PubSub } from '../cluster/pubsub/index.ts';
import type { BenchRow } from './report.ts';
import { runDirectly } from './run-directly.ts';
import { bundleServiceNode, startServiceNodes } from './fixtures/service-procs.ts';

const BENCH = 'pubsub';
const SUBSCRIBER_NODES = 8;
const MESSAGE_BYTES = 100;
/** messages per event-loop turn, so that the socket writes keep pace with the loop */
const BURST = 256;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const turn = () => new Promise((r) => setImmediate(r));

interface Run {
  seconds: number;
  deliveries: number;
}

async function fanOut(
  node: ClusterNode,
  peers: readonly NodeName[],
  kind: 'pubsub' | 'raw',
  messages: number,
  pubsub: PubSub,
  alreadyDelivered: number,
): Promise<Run> {
  const payload = new Uint8Array(randomBytes(MESSAGE_BYTES));
  const expected = alreadyDelivered + messages;
  const t0 = performance.now();
  const done = node.multicall(peers, 'bench.expect', { n: expected, kind }, { timeoutMs: 120_000 });
  for (let sent = 0; sent < messages;) {
    const end = Math.min(messages, sent + BURST);
    if (kind === 'pubsub') for (; sent < end; sent++) pubsub.broadcast('bench', payload);
    else
      for (; sent < end; sent++)
        for (const peer of peers) node.send({ name: 'raw', node: peer }, payload);
    await turn();
  }
  const { badNodes } = await done;
  if (badNodes.length > 0)
    throw new Error(`${kind}: ${badNodes.join(', ')} did not receive all messages`);
  return { seconds: (performance.now() - t0) / 1_000, deliveries: messages * peers.length };
}

export async function runPubSubBench(options: { quick?: boolean; log?: (l: string) => void } = {}) {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const messages = options.quick ? 20_000 : 100_000;
  const rounds = options.quick ? 1 : 3;
  const cookie = randomBytes(12).toString('hex');
  const rows: BenchRow[] = [];
  const node = await startNode({ name: 'psbench', cookie, port: 0 });
  try {
    const script = await bundleServiceNode();
    const names = Array.from({ length: SUBSCRIBER_NODES }, (_, i) => `pssub${i + 1}`);
    log(`pubsub bench: starting ${SUBSCRIBER_NODES} node processes`);
    const peers = await startServiceNodes(script, names, cookie);
    const pubsub = startPubSub(node);
    for (const p of peers) await node.connect(p.target);
    const deadline = Date.now() + 20_000;
    while (pubsub.subscribersOf('bench').length < SUBSCRIBER_NODES && Date.now() < deadline)
      await sleep(20);
    const targets = pubsub.subscribersOf('bench');
    if (targets.length < SUBSCRIBER_NODES)
      throw new Error(`only ${targets.length} subscriber nodes`);
    log(
      `pubsub bench: ${messages} × ${MESSAGE_BYTES} B to ${targets.length} nodes, ${rounds} rounds`,
    );
    const best = { pubsub: 0, raw: 0 };
    const delivered = { pubsub: 0, raw: 0 };
    for (let round = 0; round < rounds; round++) {
      for (const kind of ['raw', 'pubsub'] as const) {
        const r = await fanOut(node, targets, kind, messages, pubsub, delivered[kind]);
        delivered[kind] += messages;
        const rate = r.deliveries / r.seconds;
        log(`  round ${round + 1} ${kind}: ${Math.round(rate)} deliveries/s`);
        best[kind] = Math.max(best[kind], rate);
      }
    }
    rows.push({
      bench: BENCH,
      metric: `fan-out to ${SUBSCRIBER_NODES} nodes, ${MESSAGE_BYTES} B (best of ${rounds})`,
      value: best.pubsub,
      unit: 'deliveries/s',
      baseline: best.raw,
      ratio: best.raw === 0 ? Number.NaN : best.pubsub / best.raw,
      target: '≥ 200000 deliveries/s',
      pass: best.pubsub >= 200_000,
      note: 'baseline: node.send of the same bytes to each node',
    });
  } finally {
    await node.close();
    await killAll();
  }
  return rows;
}

export default runPubSubBench;

await runDirectly(import.meta.url, runPubSubBench, { cleanup: killAll });
