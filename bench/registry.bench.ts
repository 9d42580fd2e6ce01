/**
 * Registry benchmark on 3 nodes (this process and two node processes): `register` latency beside
 * a bare multicall round trip to the same peers (the floor of any agreement), and `whereis`
 * beside a plain Map lookup of the same size, both measured in this run.
 * Reference (issue 4): `:global` does register ~0.4 ms and whereis ~1 µs on this kind of machine.
 *
 *   npm run bench -- registry [--json] [--quick]      (or: npx tsx bench/registry.bench.ts [--json])
 */
import { randomBytes } from 'node:crypto';
import { startNode } from '../cluster/index.ts';
import { killAll } from '../cluster/multiprocess/testing/processes.ts';
import { startRegistry } from '../cluster/registry/index.ts';
import type { BenchRow } from './report.ts';
import { runDirectly } from './run-directly.ts';
import { bundleServiceNode, startServiceNodes } from './fixtures/service-procs.ts';

const BENCH = 'registry';

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function row(metric: string, value: number, unit: string, extra: Partial<BenchRow> = {}): BenchRow {
  const b = extra.baseline;
  const ratio = b === undefined ? {} : { ratio: b === 0 ? Number.NaN : value / b };
  return { bench: BENCH, metric, value, unit, ...extra, ...ratio };
}

export async function runRegistryBench(
  options: { quick?: boolean; log?: (l: string) => void } = {},
) {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const samples = options.quick ? 200 : 2_000;
  const cookie = randomBytes(12).toString('hex');
  const rows: BenchRow[] = [];
  const node = await startNode({ name: 'regbench', cookie, port: 0 });
  try {
    const script = await bundleServiceNode();
    const peers = await startServiceNodes(script, ['regpeer1', 'regpeer2'], cookie);
    const registry = startRegistry(node);
    for (const p of peers) await node.connect(p.target);
    const deadline = Date.now() + 10_000;
    while (node.nodes().length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    const peerNames = node.nodes();
    log(`registry bench: 3 nodes, ${samples} samples`);

    // Interleave register and the baseline round so that machine noise hits both alike.
    const reg: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < 100; i++) await registry.register(`warm-${i}`);
    for (let i = 0; i < samples; i++) {
      let t = performance.now();
      await node.multicall(peerNames, 'bench.noop', null);
      base.push(performance.now() - t);
      t = performance.now();
      const ok = await registry.register(`name-${i}`);
      reg.push(performance.now() - t);
      if (!ok) throw new Error(`register name-${i} failed`);
    }
    reg.sort((a, b) => a - b);
    base.sort((a, b) => a - b);
    rows.push(
      row('register p50', percentile(reg, 50) * 1_000, 'µs', {
        baseline: percentile(base, 50) * 1_000,
        target: '≤ 1000 µs (:global ~400 µs)',
        pass: percentile(reg, 50) <= 1,
      }),
      row('register p99', percentile(reg, 99) * 1_000, 'µs', {
        baseline: percentile(base, 99) * 1_000,
      }),
    );

    // whereis is a local read: time batches, report the per-call figure.
    const names = registry.registered();
    const map = new Map(names.map((n) => [n, 'x']));
    const batch = 1_000;
    const w: number[] = [];
    const m: number[] = [];
    let sink = 0;
    for (let round = 0; round < (options.quick ? 50 : 500); round++) {
      let t = performance.now();
      for (let i = 0; i < batch; i++)
        sink += registry.whereis(names[i % names.length]!)?.length ?? 0;
      w.push(((performance.now() - t) * 1_000) / batch);
      t = performance.now();
      for (let i = 0; i < batch; i++) sink += map.get(names[i % names.length]!)?.length ?? 0;
      m.push(((performance.now() - t) * 1_000) / batch);
    }
    if (sink < 0) log('unreachable');
    w.sort((a, b) => a - b);
    m.sort((a, b) => a - b);
    rows.push(
      row('whereis p50', percentile(w, 50), 'µs', {
        baseline: percentile(m, 50),
        target: '≤ 5 µs (:global ~1 µs)',
        pass: percentile(w, 50) <= 5,
        note: 'baseline: Map.get',
      }),
    );
    // Every peer agrees with the local table (a correctness check, not a speed figure).
    const remote = await node.call(peerNames[0]!, 'registry.registered', null);
    rows.push(
      row('names agreed by a peer', Array.isArray(remote) ? remote.length : 0, 'names', {
        baseline: names.length,
      }),
    );
  } finally {
    await node.close();
    await killAll();
  }
  return rows;
}

export default runRegistryBench;

await runDirectly(import.meta.url, runRegistryBench, { cleanup: killAll });
