/**
 * Shards benchmark on 3 `observatory node --shards --lab` processes (64 shards, ticktime 1000 ms),
 * driven by the drill's hidden controller. Throughput runs with the library's default lease
 * (3000 ms), failover with the lab's (1200 ms):
 *
 * - acknowledged ledger writes/s across the 3 nodes (each runs a local workload, 2/3 of its writes
 *   forwarded), beside the store's own commit rate from one process with no cluster (baseline);
 *   then the checker over everything the nodes were told;
 * - a forwarded request against one served by the owner, beside an echo RPC of the same size to
 *   the owner (one round trip);
 * - SIGKILL of an owner under load until its shards are held (and so writable) again, p50/p99 over
 *   the rounds, and the shards each loss and return moved.
 *
 * With TEST_POSTGRES_URL or `--pg URL`, throughput is measured on PostgreSQL too.
 *
 *   npm run bench -- shards [--json] [--quick] [--pg postgres://…]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkStore, openStore, shardOf } from '../cluster/shards/index.ts';
import { Lab, LAB_LEASE_MS, LAB_SHARD_COUNT, LAB_TICKTIME_MS } from '../cli/drill/lab.ts';
import type { BenchContext, BenchRow } from './report.ts';
import { storeBaseline } from './fixtures/shards-baseline.ts';

const BENCH = 'shards';
const NODES = 3;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function row(metric: string, value: number, unit: string, extra: Partial<BenchRow> = {}): BenchRow {
  const b = extra.baseline;
  const ratio = b === undefined ? {} : { ratio: b === 0 ? Number.NaN : value / b };
  return { bench: BENCH, metric, value, unit, ...extra, ...ratio };
}

function percentile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}

/** the library's default lease: the lab's 1200 ms lease is for drills at moderate load */
const THROUGHPUT_LEASE_MS = 3_000;

async function startLab(dir: string, storeUrl: string, leaseMs: number): Promise<Lab> {
  const lab = new Lab({
    nodes: NODES,
    dir,
    storeUrl,
    shardCount: LAB_SHARD_COUNT,
    leaseMs,
    ticktimeMs: LAB_TICKTIME_MS,
  });
  await lab.start();
  await lab.until(() => lab.settled(lab.live()), 30_000, 'every shard leased');
  return lab;
}

async function throughput(
  ctx: BenchContext,
  lab: Lab,
  storeUrl: string,
  label: string,
): Promise<BenchRow[]> {
  const windowMs = ctx.quick ? 2_000 : 5_000;
  const flag = ctx.args.indexOf('--rate');
  // offered load per node; above what the nodes can take, ticks starve and links time out
  const rate = flag >= 0 ? Number(ctx.args[flag + 1]) : 2_500;
  const baseline = await storeBaseline(storeUrl, ctx.quick ? 1_000 : 2_000);
  ctx.log(`shards: ${label} store alone ${Math.round(baseline)} commits/s; cluster load…`);
  await Promise.all(
    lab
      .live()
      .map((n) => lab.call(n, 'lab.workload.start', { rate, keys: 1_000, maxInFlight: 1_000 })),
  );
  await sleep(1_500);
  const c0 = await lab.counts();
  const t0 = Date.now();
  await sleep(windowMs);
  const c1 = await lab.counts();
  const t1 = Date.now();
  await lab.stopWorkloads();
  const acked = ((c1.acked - c0.acked) * 1000) / (t1 - t0);
  const failed = c1.attempted - c0.attempted - (c1.acked - c0.acked);
  const store = openStore(storeUrl);
  let verdict = 'fail';
  try {
    verdict = (await checkStore(store, lab.outcomes(), { shardCount: LAB_SHARD_COUNT })).verdict;
  } finally {
    await store.close();
  }
  return [
    row(`acked writes/s, ${NODES} nodes, ${label}`, acked, 'writes/s', {
      baseline,
      target: label === 'sqlite' ? '≥ 5000' : 'report',
      ...(label === 'sqlite' ? { pass: acked >= 5_000 } : {}),
      note: `offered ${rate * NODES}/s; baseline: one process committing straight to the store; ${failed} failed in window`,
    }),
    row(`checker after load, ${label}`, verdict === 'pass' ? 1 : 0, 'pass', {
      pass: verdict === 'pass',
    }),
  ];
}

async function forwardCost(ctx: BenchContext, lab: Lab): Promise<BenchRow[]> {
  const [a, b] = lab.nodes as [(typeof lab.nodes)[0], (typeof lab.nodes)[0]];
  const ownership = (await lab.status(a))?.ownership ?? [];
  const keyOwnedBy = (name: string): string => {
    for (let i = 0; i < 10_000; i++) {
      if (ownership[shardOf(`key-${i}`, LAB_SHARD_COUNT)] === name) return `key-${i}`;
    }
    throw new Error(`no key owned by ${name}`);
  };
  const samples = ctx.quick ? 300 : 2_000;
  type Probe = { routeP50Ms: number; routeP99Ms: number; rttP50Ms: number; local: boolean };
  const probe = async (key: string) =>
    (await lab.call(a, 'lab.probe', { key, samples }, 60_000)) as unknown as Probe;
  await probe(keyOwnedBy(a.name)); // warm-up
  const local = await probe(keyOwnedBy(a.name));
  const fwd = await probe(keyOwnedBy(b.name));
  if (!local.local || fwd.local) throw new Error('probe keys did not land as planned');
  const extra = fwd.routeP50Ms - local.routeP50Ms;
  return [
    row('read served by the owner (p50)', local.routeP50Ms * 1000, 'µs'),
    row('read forwarded once (p50)', fwd.routeP50Ms * 1000, 'µs', {
      baseline: local.routeP50Ms * 1000,
    }),
    row('forward cost / RPC round trip (p50)', extra / fwd.rttP50Ms, 'RTT', {
      target: '≤ 1 extra round trip',
      pass: extra <= fwd.rttP50Ms * 1.25,
      note: `extra ${(extra * 1000).toFixed(0)} µs, echo RPC ${(fwd.rttP50Ms * 1000).toFixed(0)} µs`,
    }),
  ];
}

async function failover(ctx: BenchContext, lab: Lab): Promise<BenchRow[]> {
  const rounds = ctx.quick ? 2 : 8;
  const observer = lab.nodes[0]!;
  await lab.startWorkloads(50, 256);
  const times: number[] = [];
  let lossExact = 0;
  let returnMax = 0;
  for (let i = 0; i < rounds; i++) {
    const victim = lab.nodes[1 + (i % (NODES - 1))]!;
    const before = await lab.status(observer);
    const owned = before?.ownership.filter((o) => o === victim.name).length ?? 0;
    const base = before?.moves.length ?? 0;
    const killedAt = Date.now();
    lab.kill(victim);
    await lab.until(() => lab.settled(lab.live()), 20_000, 'failover');
    times.push(Date.now() - killedAt);
    const mid = await lab.status(observer);
    const lossMoved = mid?.moves.slice(base).reduce((n, m) => n + m.moved, 0) ?? -1;
    if (lossMoved === owned) lossExact++;
    await lab.spawn(victim);
    await lab.until(() => lab.settled(lab.live()), 20_000, 'rebalance');
    await lab.startWorkloads(50, 256, [victim]);
    const after = await lab.status(observer);
    const backMoved =
      after?.moves.slice(mid?.moves.length ?? 0).reduce((n, m) => n + m.moved, 0) ?? -1;
    returnMax = Math.max(returnMax, backMoved);
    ctx.log(
      `shards: round ${i + 1}: failover ${times[i]} ms, moved ${lossMoved}/${owned}, back ${backMoved}`,
    );
  }
  await lab.stopWorkloads();
  const bound = LAB_LEASE_MS + LAB_TICKTIME_MS + 1_000;
  const fair = Math.floor(LAB_SHARD_COUNT / NODES) + 2;
  return [
    row('failover after SIGKILL (p50)', percentile(times, 0.5), 'ms'),
    row('failover after SIGKILL (p99)', percentile(times, 0.99), 'ms', {
      target: `≤ ${bound} (lease + ticktime + 1 s)`,
      pass: percentile(times, 0.99) <= bound,
      note: `${rounds} rounds; polled every 100 ms`,
    }),
    row("rounds where the loss moved exactly the victim's shards", lossExact, 'rounds', {
      target: `${rounds}/${rounds}`,
      pass: lossExact === rounds,
    }),
    row('shards moved on return (max)', returnMax, 'shards', {
      target: `≤ ${fair} (shardCount/N + 2)`,
      pass: returnMax <= fair,
    }),
  ];
}

export default async function shardsBench(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const flag = ctx.args.indexOf('--pg');
  // the bench is a CLI entry point: reading the environment here is allowed
  const pgUrl = flag >= 0 ? ctx.args[flag + 1] : process.env.TEST_POSTGRES_URL;
  const dir = mkdtempSync(join(tmpdir(), 'bench-shards-'));
  try {
    const sqliteUrl = `file:${join(dir, 'ledger.db')}`;
    const lab = await startLab(mkdtempSync(join(dir, 'tp-')), sqliteUrl, THROUGHPUT_LEASE_MS);
    try {
      rows.push(...(await forwardCost(ctx, lab)));
      rows.push(...(await throughput(ctx, lab, sqliteUrl, 'sqlite')));
    } finally {
      await lab.stop();
    }
    const failoverUrl = `file:${join(dir, 'failover.db')}`;
    const labDefaults = await startLab(mkdtempSync(join(dir, 'fo-')), failoverUrl, LAB_LEASE_MS);
    try {
      rows.push(...(await failover(ctx, labDefaults)));
    } finally {
      await labDefaults.stop();
    }
    if (pgUrl) {
      const pgLab = await startLab(mkdtempSync(join(dir, 'pg-')), pgUrl, THROUGHPUT_LEASE_MS);
      try {
        rows.push(...(await throughput(ctx, pgLab, pgUrl, 'postgres')));
      } finally {
        await pgLab.stop();
      }
    } else {
      ctx.log('shards: PostgreSQL skipped (set TEST_POSTGRES_URL or pass --pg URL)');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
