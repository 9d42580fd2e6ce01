/**
 * The simulated-time run of `npm run bench -- ingest` (issue #17 §3): `agents` simulated agents
 * (bench/fixtures/ingest-sim-agents.ts, a child process) report every second of simulated time
 * with full per-link and per-channel sketches to a real server in this process (real sockets, a
 * real SQLite file) that runs on a `SimulatedClock`. Each simulated second is one round: the
 * clock moves to the second's end (firing the flush, rollup and retention timers that came
 * due), every agent sends that interval's snapshot, and the next round starts once every
 * snapshot is acknowledged — that is, stored. So simulated time runs as fast as the server can
 * keep up, and the server's CPU time divided by the simulated time is the share of a core it
 * needs in real time.
 *
 * Measured: process CPU ÷ simulated and ÷ real time; RSS and heap every simulated minute; the
 * SQLite store (file size, rows and bytes per table) per node-hour; bytes the server broadcast
 * to one `/ui` client per simulated second. Baseline in the same run: `JSON.parse` of the
 * snapshots received (the least any JSON ingest must spend).
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { simulatedSnapshotJson } from './fixtures/ingest-sim-snapshot.ts';
import { rollupRows, storeTables } from './fixtures/sqlite-store-stats.ts';
import { spawnTsxChild } from './fixtures/tsx-child.ts';
import { SimulatedClock } from '../server/simulated-clock.ts';
import { startServer } from '../server/start.ts';
import type { BenchContext, BenchRow } from './report.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/ingest-sim-agents.ts', import.meta.url));
const TOKEN = 'bench-agent-token';
/** 2026-01-01T00:00:00Z: simulated time starts on an hour boundary */
const T0_S = 1_767_225_600;
const MiB = 1024 * 1024;

export interface SimOptions {
  readonly agents: number;
  readonly peers: number;
  readonly channels: number;
  readonly seconds: number;
  /** log every round (its time, CPU so far, heap) */
  readonly verbose?: boolean;
}

interface Sample {
  /** simulated seconds since the start */
  readonly simS: number;
  readonly realS: number;
  readonly cpuS: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly storeBytes: number;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor((s.length - 1) / 2)]!;
};
const quantile = (sorted: readonly number[], q: number) =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))]!;
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const fileBytes = (file: string) => (existsSync(file) ? statSync(file).size : 0);

export async function simulatedRun(context: BenchContext, o: SimOptions): Promise<BenchRow[]> {
  const log = context.log;
  const dir = mkdtempSync(join(tmpdir(), 'observatory-ingest-sim-'));
  const file = join(dir, 'bench.db');
  const clock = new SimulatedClock({ startMs: T0_S * 1000 });
  const server = await startServer({
    port: 0,
    databaseUrl: `file:${file}`,
    adminToken: 'bench-admin-token-0000',
    agentToken: TOKEN,
    dashboard: false,
    clock,
    // The server logs only what went wrong (a store error, a refused batch): show it.
    log: (line) => log(`server: ${line}`),
  });
  const child = spawnTsxChild(
    FIXTURE,
    [server.url, TOKEN, String(o.agents), String(o.peers), String(o.channels)],
    { stdin: true },
  );
  const waiting: ((msg: Record<string, unknown>) => boolean)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const msg = JSON.parse(line) as Record<string, unknown>;
    const i = waiting.findIndex((w) => w(msg));
    if (i >= 0) waiting.splice(i, 1);
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  const next = <T>(match: (msg: Record<string, unknown>) => T | undefined, what: string) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ingest-sim: no ${what}`)), 300_000);
      waiting.push((msg) => {
        const v = match(msg);
        if (v === undefined) return false;
        clearTimeout(timer);
        resolve(v);
        return true;
      });
      if (exited) reject(new Error(`ingest-sim: agents exited before ${what}`));
    });
  const send = (msg: unknown) => child.stdin.write(`${JSON.stringify(msg)}\n`);
  const uiTotals = async () => {
    const answer = next(
      (m) => (m.uiBytes === undefined ? undefined : (m as { uiBytes: number; uiMessages: number })),
      'ui totals',
    );
    send({ ui: true });
    return answer;
  };

  try {
    const ready = await next(
      (m) => (m.ready === undefined ? undefined : (m as { ready: number; rows: number })),
      'ready line',
    );
    log(
      `ingest-sim: ${ready.ready} agents × ${ready.rows} frame rows, ${o.seconds} simulated s; store ${file}`,
    );
    // The baseline: parsing what one round delivers, as socket.io must before ingest sees it.
    const parseMs = parseBaselineMs(o);

    const samples: Sample[] = [];
    const roundMs: number[] = [];
    let acked = 0;
    let failed = 0;
    const real0 = performance.now();
    const cpu0 = cpuSeconds();
    const ui0 = await uiTotals();
    // Start-up took some real (so simulated) time: the first round is the next whole second.
    const first = Math.ceil(clock.now() / 1000);
    clock.advanceTo(first * 1000);
    const sim0 = clock.monotonic();
    const sample = (simS: number) => {
      const m = process.memoryUsage();
      samples.push({
        simS,
        realS: (performance.now() - real0) / 1000,
        cpuS: cpuSeconds() - cpu0,
        rss: m.rss,
        heapUsed: m.heapUsed,
        storeBytes: fileBytes(file) + fileBytes(`${file}-wal`),
      });
    };
    sample(0);
    for (let k = 1; k <= o.seconds; k++) {
      // Second k of simulated time has ended: its snapshots are due now.
      clock.advanceTo((first + k) * 1000);
      const answer = next(
        (m) =>
          m.round === k
            ? (m as { round: number; acked: number; failed: number; ms: number })
            : undefined,
        `acks of round ${k}`,
      );
      send({ round: k, t: first + k - 1 });
      const r = await answer;
      acked += r.acked;
      failed += r.failed;
      roundMs.push(r.ms);
      if (o.verbose === true) {
        const heap = process.memoryUsage().heapUsed / MiB;
        log(
          `ingest-sim: round ${k} ${r.ms.toFixed(0)} ms, cpu ${(cpuSeconds() - cpu0).toFixed(1)} s, heap ${heap.toFixed(0)} MiB`,
        );
      }
      if (k % 60 === 0 || k === o.seconds) {
        sample(k);
        const s = samples.at(-1)!;
        log(
          `ingest-sim: ${k} s simulated in ${s.realS.toFixed(0)} s real, cpu ${s.cpuS.toFixed(1)} s, rss ${(s.rss / MiB).toFixed(0)} MiB, heap ${(s.heapUsed / MiB).toFixed(0)} MiB, store ${(s.storeBytes / MiB).toFixed(0)} MiB`,
        );
      }
    }
    const realS = (performance.now() - real0) / 1000;
    const cpuS = cpuSeconds() - cpu0;
    const simS = (clock.monotonic() - sim0) / 1000;
    const ui1 = await uiTotals();
    await server.context.observatory.history.flush();
    const tables = storeTables(file);
    const rollups = rollupRows(file);
    return report(o, {
      simS,
      realS,
      cpuS,
      parseMs,
      roundMs,
      acked,
      failed,
      samples,
      tables,
      rollups,
      storeBytes: fileBytes(file) + fileBytes(`${file}-wal`),
      uiBytes: ui1.uiBytes - ui0.uiBytes,
      uiMessages: ui1.uiMessages - ui0.uiMessages,
    });
  } finally {
    child.stdin.end();
    if (!exited) {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** ms to `JSON.parse` one round of snapshots (median of 5), the same size as the agents send. */
function parseBaselineMs(o: SimOptions): number {
  const texts = Array.from({ length: o.agents }, (_, i) =>
    simulatedSnapshotJson(i, o.agents, o.peers, o.channels),
  );
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    for (const t of texts) JSON.parse(t);
    times.push(performance.now() - start);
  }
  return median(times);
}

interface Measured {
  simS: number;
  realS: number;
  cpuS: number;
  parseMs: number;
  roundMs: number[];
  acked: number;
  failed: number;
  samples: Sample[];
  tables: { table: string; bytes: number; rows: number }[];
  rollups: Record<number, { series: number; bytes: number }>;
  storeBytes: number;
  uiBytes: number;
  uiMessages: number;
}

function report(o: SimOptions, m: Measured): BenchRow[] {
  const bench = 'ingest';
  // Simulated time is the agents' time: one round is one second of their traffic. The server's
  // clock ran at least that far, more when the server could not keep up with real time.
  const agentS = o.seconds;
  const nodeHours = (o.agents * agentS) / 3600;
  const cpuPerSim = m.cpuS / agentS;
  const sorted = [...m.roundMs].sort((a, b) => a - b);
  // Memory after the first 10 s and 1 min rollup windows: the samples from minute 2 on.
  const settled = m.samples.filter((s) => s.simS >= 120);
  const third = Math.max(1, Math.floor(settled.length / 3));
  const early = settled.slice(0, third);
  const late = settled.slice(-third);
  const heapRatio = median(late.map((s) => s.heapUsed)) / median(early.map((s) => s.heapUsed));
  const rssRatio = median(late.map((s) => s.rss)) / median(early.map((s) => s.rss));
  const last = m.samples.at(-1)!;
  const rows: BenchRow[] = [
    {
      bench,
      metric: `simulated time (${o.agents} agents × ${o.peers} peers × ${o.channels} channels)`,
      value: agentS,
      unit: 's',
      baseline: m.realS,
      ratio: agentS / m.realS,
      note: `baseline = real time; ratio = speed-up; the server's clock ran ${m.simS.toFixed(0)} s`,
    },
    {
      bench,
      metric: 'server CPU per simulated second (cores needed in real time)',
      value: cpuPerSim,
      unit: 'core',
      baseline: m.parseMs / 1000,
      ratio: cpuPerSim / (m.parseMs / 1000),
      target: '<= 1',
      pass: cpuPerSim <= 1,
      note: 'baseline = JSON.parse of one second of snapshots',
    },
    {
      bench,
      metric: 'server CPU per real second (share of the cores used during the run)',
      value: m.cpuS / m.realS,
      unit: 'core',
    },
    { bench, metric: 'round (all agents acked) p50', value: quantile(sorted, 0.5), unit: 'ms' },
    { bench, metric: 'round p99', value: quantile(sorted, 0.99), unit: 'ms' },
    {
      bench,
      metric: 'snapshots acknowledged (stored)',
      value: m.acked,
      unit: 'snapshots',
      baseline: o.agents * o.seconds,
      ratio: m.acked / (o.agents * o.seconds),
      target: 'all, none refused',
      pass: m.failed === 0 && m.acked === o.agents * o.seconds,
    },
    { bench, metric: 'RSS at the end', value: last.rss / MiB, unit: 'MiB' },
    { bench, metric: 'heap used at the end', value: last.heapUsed / MiB, unit: 'MiB' },
  ];
  if (settled.length >= 3) {
    rows.push(
      {
        bench,
        metric: 'heap used, last third ÷ first third after minute 2 (medians)',
        value: heapRatio,
        unit: '×',
        target: '<= 1.25 (flat)',
        pass: heapRatio <= 1.25,
      },
      {
        bench,
        metric: 'RSS, last third ÷ first third after minute 2 (medians)',
        value: rssRatio,
        unit: '×',
        target: '<= 1.25 (flat)',
        pass: rssRatio <= 1.25,
      },
    );
  }
  rows.push({
    bench,
    metric: 'SQLite store (file + WAL) at the end',
    value: m.storeBytes / MiB,
    unit: 'MiB',
  });
  for (const t of m.tables.filter((x) => x.rows > 0)) {
    rows.push({
      bench,
      metric: `store ${t.table} per node-hour (${t.rows} rows at the end)`,
      value: t.bytes / MiB / nodeHours,
      unit: 'MiB',
    });
  }
  rows.push(
    {
      bench,
      metric: 'store 10 s rollups (packed blobs) per node-hour',
      value: (m.rollups[10]?.bytes ?? 0) / MiB / nodeHours,
      unit: 'MiB',
      note: `${Math.round((m.rollups[10]?.series ?? 0) / nodeHours)} series per node-hour (each was a row before packing)`,
    },
    {
      bench,
      metric: 'store 1 min rollups (packed blobs) per node-hour',
      value: (m.rollups[60]?.bytes ?? 0) / MiB / nodeHours,
      unit: 'MiB',
      note: `${Math.round((m.rollups[60]?.series ?? 0) / nodeHours)} series per node-hour`,
    },
    {
      bench,
      metric: '/ui broadcast to one dashboard per simulated second',
      value: m.uiBytes / 1024 / m.simS,
      unit: 'KiB/s',
      note: `${(m.uiMessages / m.simS).toFixed(1)} messages/s (per second of the server's clock, which paces the pushes)`,
    },
  );
  return rows;
}
