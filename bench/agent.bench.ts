/**
 * Agent benchmark. Two figures from the agent issue, each beside a baseline from the same run:
 *
 * - 100-B send throughput between two real nodes with agents attached to both, against the same
 *   nodes without agents, rounds interleaved (target ≥ 97%). Both nodes live in this process
 *   (the multi-process mesh fixture has no agent switch yet), so sender and receiver share one
 *   event loop: the ratio is the agent's hook cost, which is what the target is about.
 * - Memory the agent adds with 32 peers × 6 channels × 2 directions of traffic, after GC, and the
 *   size of one such snapshot (which bounds what 10 minutes of buffering costs).
 *
 *   npx tsx bench/agent.bench.ts [--json] [--quick]
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Channel, ClusterNode } from '../cluster/api.ts';
import { startNode } from '../cluster/index.ts';
import type { Agent } from '../agents/index.ts';
import { attachAgent } from '../agents/index.ts';
import { estimateSnapshotBytes } from '../agents/buffer.ts';
import type { AgentTransport } from '../agents/stream.ts';
import { FakeClock, FakeNode, FakeTransport, fixedProcessStats } from '../agents/testing.ts';
import type { Snapshot } from '../protocol/telemetry.ts';
import { formatRows, type BenchRow } from './fixtures/mesh-rows.ts';

const BENCH = 'agent';
const MiB = 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Acknowledges every batch at once: the bench measures the agent, not a server. */
function ackingTransport(): AgentTransport {
  return {
    open(handlers) {
      handlers.onConnect();
      handlers.onWelcome({ ackedSeq: null, serverTime: Date.now() });
    },
    send(batch, _timeoutMs, done) {
      done({ ok: true, ackedSeq: batch[batch.length - 1]!.seq });
    },
    close() {},
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function throughput(quick: boolean): Promise<BenchRow[]> {
  const a = await startNode({ name: 'bench-a', cookie: 'agent-bench' });
  const b = await startNode({ name: 'bench-b', cookie: 'agent-bench' });
  try {
    await a.connect(`${b.name}:${b.address.port}`);
    let received = 0;
    b.register('sink', () => received++);
    const payload = new Uint8Array(100).fill(0x61);
    const count = quick ? 20_000 : 200_000;
    const round = async (): Promise<number> => {
      received = 0;
      const start = performance.now();
      for (let sent = 0; sent < count;) {
        const n = Math.min(1024, count - sent);
        for (let i = 0; i < n; i++) a.send({ name: 'sink', node: b.name }, payload);
        sent += n;
        await new Promise((r) => setImmediate(r));
      }
      for (let i = 0; received < count && i < 100_000; i++)
        await new Promise((r) => setTimeout(r, 1));
      if (received < count) throw new Error(`only ${received} of ${count} arrived`);
      return count / ((performance.now() - start) / 1000);
    };
    const attach = (node: ClusterNode): Agent =>
      attachAgent(node, {
        url: 'http://127.0.0.1:1',
        token: 'bench',
        transport: ackingTransport(),
      });
    await round(); // warm-up
    const off: number[] = [];
    const on: number[] = [];
    const withAgents = async () => {
      const agents = [attach(a), attach(b)];
      on.push(await round());
      for (const agent of agents) await agent.detach();
    };
    // ABBA order, so a drift in machine load hits both alike.
    for (let r = 0; r < (quick ? 2 : 8); r++) {
      if (r % 2 === 0) {
        off.push(await round());
        await withAgents();
      } else {
        await withAgents();
        off.push(await round());
      }
    }
    const withAgent = median(on);
    const without = median(off);
    return [
      {
        bench: BENCH,
        metric: 'send 100 B with agents (msg/s)',
        value: withAgent,
        unit: 'msg/s',
        baseline: without,
        ratio: withAgent / without,
        target: '≥ 0.97 × without',
        pass: withAgent / without >= 0.97,
        note: 'in-process pair; medians of interleaved rounds',
      },
    ];
  } finally {
    await a.close();
    await b.close();
  }
}

/** An agent on a fake node with 32 peers × 6 channels of traffic, driven for `seconds`. */
function exercise(seconds: number): { agent: Agent; first: Snapshot } {
  const peers = Array.from({ length: 32 }, (_, i) => `peer${i}@127.0.0.1`);
  const channels: Channel[] = ['tick', 'send', 'rpc', 'mesh', 'registry', 'pubsub:events'];
  const clock = new FakeClock();
  const node = new FakeNode('bench@127.0.0.1');
  node.visible = peers;
  const transport = new FakeTransport();
  const agent = attachAgent(node, {
    url: 'http://127.0.0.1:1',
    token: 'bench',
    clock,
    transport,
    processStats: fixedProcessStats,
  });
  transport.connect();
  let first: Snapshot | undefined;
  for (let s = 0; s < seconds; s++) {
    for (const peer of peers) {
      for (const channel of channels) {
        for (let i = 0; i < 20; i++) {
          node.emitFrame({ peer, channel, direction: 'out', bytes: 60 + ((i * 37) % 900) });
          node.emitFrame({ peer, channel, direction: 'in', bytes: 60 + ((i * 53) % 900) });
        }
      }
    }
    clock.advance(1_000);
    while (transport.sent.length > 0) {
      const batch = transport.ackNext();
      if (first === undefined && s > 0) first = batch[batch.length - 1];
    }
  }
  return { agent, first: first! };
}

/**
 * RSS of a child process that emits the same frames with and without an agent: the figure the
 * issue's target is about, free of this process's own garbage.
 */
async function childRss(withAgent: boolean, seconds: number): Promise<number> {
  const { spawn } = await import('node:child_process');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      new URL(import.meta.url).pathname,
      '--child',
      withAgent ? 'on' : 'off',
      String(seconds),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], detached: true },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`memory child exited with ${code}`);
  return Number(out.trim());
}

function childMain(mode: string, seconds: number): void {
  if (mode === 'on') {
    exercise(seconds);
  } else {
    // The same frames into a node nobody listens to.
    const node = new FakeNode('bench@127.0.0.1');
    for (let s = 0; s < seconds; s++) {
      for (let p = 0; p < 32; p++) {
        for (let c = 0; c < 6; c++) {
          for (let i = 0; i < 20; i++) {
            node.emitFrame({ peer: `peer${p}`, channel: 'send', direction: 'out', bytes: 60 });
            node.emitFrame({ peer: `peer${p}`, channel: 'send', direction: 'in', bytes: 60 });
          }
        }
      }
    }
  }
  gc();
  process.stdout.write(`${process.memoryUsage().rss}\n`);
}

async function memory(quick: boolean): Promise<BenchRow[]> {
  const seconds = quick ? 30 : 120;
  const rssOn = await childRss(true, seconds);
  const rssOff = await childRss(false, seconds);
  // A first run compiles the agent's code, which is not per-agent memory.
  void exercise(seconds).agent.detach();
  gc();
  const before = process.memoryUsage();
  const { agent, first } = exercise(seconds);
  gc();
  const after = process.memoryUsage();
  void agent.detach();
  const json = JSON.stringify(first).length;
  const rssMiB = (rssOn - rssOff) / MiB;
  const retained = (after.heapUsed + after.external - before.heapUsed - before.external) / MiB;
  return [
    {
      bench: BENCH,
      metric: 'agent RSS added, 32 peers × 6 channels',
      value: rssMiB,
      unit: 'MiB',
      baseline: rssOff / MiB,
      target: '≤ 8 MiB',
      pass: rssMiB <= 8,
      // RSS after GC keeps the heap V8 committed while the agent's garbage came and went; the
      // retained figure is what the agent really holds.
      note: `child processes with/without agent; retained heap+external ${retained.toFixed(2)} MiB`,
    },
    {
      bench: BENCH,
      metric: 'snapshot size, 32 peers × 6 channels × 2 dirs',
      value: json / 1024,
      unit: 'KiB JSON',
      note: `${first.frames.length} rows, 20 sizes each; 10 min buffered ≈ ${((estimateSnapshotBytes(first) * 600) / MiB).toFixed(1)} MiB (estimate)`,
    },
  ];
}

export async function runAgentBench(options: { quick?: boolean } = {}): Promise<BenchRow[]> {
  const quick = options.quick ?? false;
  return [...(await memory(quick)), ...(await throughput(quick))];
}

export default runAgentBench;

if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === '--child') {
  childMain(process.argv[3] ?? 'on', Number(process.argv[4] ?? 30));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const rows = await runAgentBench({ quick: argv.includes('--quick') });
  if (argv.includes('--json')) for (const r of rows) console.log(JSON.stringify(r));
  else console.log(formatRows(rows));
}
