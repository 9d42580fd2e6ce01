/**
 * Runs one drill end to end: a temp dir with the SQLite store (or --store URL), the lab's node
 * processes, the scenario, then the checker over the store and every outcome the nodes logged.
 * Node processes are always killed, whatever happens.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  counterModel,
  registerModel,
  type LinearizabilityReport,
} from '../../cluster/check/index.ts';
import { checkStore, openStore, type CheckReport } from '../../cluster/shards/index.ts';
import { checkHistoryFile } from './check-file.ts';
import type { Workload } from './client.ts';
import { Clients, mergeHistory, type NemesisLine } from './clients.ts';
import { faultsExpectation, opsDuringFaults, type FaultOps } from './fault-ops.ts';
import { Lab } from './lab.ts';
import { removeOnExit, watchLifeline } from './processes.ts';
import { expectationsFor, type DrillReport } from './report.ts';
import { DEFAULT_RANDOM_DURATION_MS, type UnsafeSwitch } from './kinds.ts';
import { NEMESIS_SCENARIOS } from './nemeses.ts';
import { BASIC_SCENARIOS, type DrillFindings, type DrillName } from './scenarios.ts';

const SCENARIOS = { ...BASIC_SCENARIOS, ...NEMESIS_SCENARIOS };

export interface DrillOptions {
  readonly drill: DrillName;
  readonly nodes: number;
  readonly storeUrl?: string;
  readonly shardCount: number;
  readonly leaseMs: number;
  readonly ticktimeMs: number;
  readonly rate: number;
  readonly keys: number;
  readonly holdMs: number;
  /** progress lines (one JSON object each) */
  readonly progress?: (line: Record<string, unknown>) => void;
  /** keep the temp dir (store, outcome logs) and name it in the report */
  readonly keep?: boolean;
  /** tests only: the pause victim defeats the store fence, so the checker must fail */
  readonly unsafeNoFence?: boolean;
  /**
   * a negative control: `no-store-fence` makes every node's store accept any epoch; `no-lease`
   * makes every node act as owner without a majority lease
   */
  readonly unsafe?: UnsafeSwitch;
  /** the clients' workloads; default both */
  readonly workload?: WorkloadChoice;
  /** `random`: the schedule's seed and length */
  readonly seed?: number;
  readonly durationMs?: number;
  /** `stdin`: the end of stdin ends the drill and kills its nodes (see `watchLifeline`) */
  readonly lifeline?: 'stdin';
  /** external client processes (cli/drill/client.ts); default DEFAULT_DRILL_CLIENTS, 0: none */
  readonly clients?: number;
  /** operations per second per client; default DEFAULT_CLIENT_RATE */
  readonly clientRate?: number;
  /** keys the clients use; default DEFAULT_CLIENT_KEYS */
  readonly clientKeys?: number;
  /** write the clients' history here (else into the temp dir) */
  readonly history?: string;
}

export type { UnsafeSwitch };
export type WorkloadChoice = Workload | 'both';

export const DEFAULT_DRILL_CLIENTS = 4;
export const DEFAULT_CLIENT_RATE = 20;
export const DEFAULT_CLIENT_KEYS = 8;

const EMPTY_CHECK: CheckReport = {
  verdict: 'fail',
  writesAttempted: 0,
  writesAcked: 0,
  rejectedNoQuorum: 0,
  rejectedFenced: 0,
  rejectedOther: 0,
  writesCommitted: 0,
  doubleWrites: 0,
  lostAckedWrites: 0,
  epochRegressions: 0,
  splitBrainEpochs: 0,
  foreignEpochWrites: 0,
  staleEpochWrites: 0,
  ackMismatches: 0,
  counterMismatches: 0,
  maxUnavailableMs: 0,
  shardsMoved: 0,
  optimalShardsMoved: 0,
  violations: [],
};

export async function runDrill(o: DrillOptions): Promise<DrillReport & { dir?: string }> {
  const dir = mkdtempSync(join(tmpdir(), `drill-${o.drill}-`));
  if (!o.keep) removeOnExit(dir);
  if (o.lifeline === 'stdin') watchLifeline(process.stdin);
  const storeUrl = o.storeUrl ?? `file:${join(dir, 'ledger.db')}`;
  const victim = o.nodes - 1;
  const lab = new Lab({
    nodes: o.nodes,
    dir,
    storeUrl,
    shardCount: o.shardCount,
    leaseMs: o.leaseMs,
    ticktimeMs: o.ticktimeMs,
    extraFlags: (i) => [
      ...(o.drill === 'pause' && i === victim
        ? ['--trust-fence-only', ...(o.unsafeNoFence ? ['--unsafe-no-fence'] : [])]
        : []),
      ...(o.unsafe === 'no-store-fence' ? ['--unsafe-no-store-fence'] : []),
      ...(o.unsafe === 'no-lease' ? ['--unsafe-no-lease'] : []),
    ],
  });
  // durations on the monotonic clock; `at` (wall) only labels progress lines
  const started = performance.now();
  const t0 = process.hrtime.bigint();
  const nemesis: NemesisLine[] = [];
  const timeline: { phase: string; atMs: number }[] = [];
  let acked = 0;
  let attempted = 0;
  let ticker: NodeJS.Timeout | null = null;
  const emit = (phase: string, extra: Record<string, unknown> = {}): void => {
    o.progress?.({
      drill: o.drill,
      phase,
      at: Date.now(),
      elapsedMs: Math.round(performance.now() - started),
      attempted,
      acked,
      ...extra,
    });
  };
  const phase = (name: string, extra: Record<string, unknown> = {}): void => {
    timeline.push({ phase: name, atMs: Math.round(performance.now() - started) });
    nemesis.push({ f: name, value: extra, time: Number(process.hrtime.bigint() - t0) });
    emit(name, extra);
  };

  let findings: DrillFindings = {};
  let check: CheckReport = EMPTY_CHECK;
  let error: string | undefined;
  const clientCount = o.clients ?? DEFAULT_DRILL_CLIENTS;
  const workloads: Workload[] =
    (o.workload ?? 'both') === 'both' ? ['register', 'counter'] : [o.workload as Workload];
  let clients: Clients | null = null;
  try {
    phase('start', { nodes: o.nodes, store: storeUrl.startsWith('file:') ? 'sqlite' : 'postgres' });
    await lab.start();
    if (clientCount > 0) {
      clients = new Clients({
        count: clientCount,
        nodes: lab.nodes,
        cookie: lab.cookie,
        dir,
        keys: o.clientKeys ?? DEFAULT_CLIENT_KEYS,
        shardCount: o.shardCount,
        workloads,
        rate: o.clientRate ?? DEFAULT_CLIENT_RATE,
        t0,
        ticktimeMs: o.ticktimeMs,
      });
      clients.start();
      await clients.ready();
      phase('clients', { clients: clientCount, workloads });
    }
    if (o.progress) {
      let polling = false;
      ticker = setInterval(() => {
        if (polling) return;
        polling = true;
        void lab
          .counts()
          .then((c) => {
            attempted = Math.max(attempted, c.attempted);
            acked = Math.max(acked, c.acked);
            emit(timeline[timeline.length - 1]?.phase ?? 'start', { tick: true });
          })
          .finally(() => (polling = false));
      }, 1_000);
    }
    findings = await SCENARIOS[o.drill]({
      lab,
      rate: o.rate,
      keys: o.keys,
      holdMs: o.holdMs,
      phase,
      seed: o.seed ?? 1,
      clientOps: () => {
        const from = Number(process.hrtime.bigint() - t0);
        return () => clients?.completedSince(from) ?? Infinity;
      },
      durationMs: o.durationMs ?? DEFAULT_RANDOM_DURATION_MS,
    });
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  } finally {
    if (ticker) clearInterval(ticker);
    // the clients stop (final reads included) while the nodes still run
    if (clients) await clients.stop().catch(() => clients?.kill());
    await lab.stop();
  }

  phase('check');
  const store = openStore(storeUrl);
  try {
    const outcomes = lab.outcomes();
    check = await checkStore(store, outcomes, {
      shardCount: o.shardCount,
      ...(findings.shardsMoved === undefined ? {} : { shardsMoved: findings.shardsMoved }),
      ...(findings.optimalShardsMoved === undefined
        ? {}
        : { optimalShardsMoved: findings.optimalShardsMoved }),
    });
  } catch (err) {
    error ??= `checker: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    await store.close();
  }
  const byModel: Partial<Record<Workload, LinearizabilityReport>> = {};
  const histories = historyPaths(workloads, o.history ?? join(dir, 'history.jsonl'));
  if (clients) {
    for (const w of workloads) {
      try {
        mergeHistory(clients.files[w], nemesis, histories[w]!);
        byModel[w] = await checkHistoryFile(histories[w]!, {
          model: w === 'register' ? registerModel : counterModel,
        });
      } catch (err) {
        error ??= `${w} history: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
  }
  const primary: Workload = workloads[0]!;
  const linearizability = byModel[primary];
  const expectations = expectationsFor(o.drill, check, findings, o);
  let faults: FaultOps[] | undefined;
  if (clients && error === undefined) {
    try {
      faults = opsDuringFaults(nemesis, clients.completions());
      expectations.push(faultsExpectation(faults));
    } catch (err) {
      error = `client histories: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  const pass =
    error === undefined &&
    check.verdict === 'pass' &&
    Object.values(byModel).every((l) => l.verdict === 'pass') &&
    expectations.every((e) => e.pass);
  attempted = check.writesAttempted;
  acked = check.writesAcked;
  phase('done', { verdict: pass ? 'pass' : 'fail' });
  if (!o.keep) rmSync(dir, { recursive: true, force: true });
  return {
    ...check,
    verdict: pass ? 'pass' : 'fail',
    drill: o.drill,
    nodes: o.nodes,
    store: storeUrl.startsWith('file:') ? 'sqlite' : 'postgres',
    shardCount: o.shardCount,
    leaseMs: o.leaseMs,
    ticktimeMs: o.ticktimeMs,
    durationMs: Math.round(performance.now() - started),
    checker: check.verdict,
    findings,
    expectations,
    timeline,
    ...(error === undefined ? {} : { error }),
    ...(linearizability === undefined ? {} : { linearizability, linearizabilityByModel: byModel }),
    ...(faults === undefined ? {} : { faults }),
    ...(clients && (o.history !== undefined || o.keep)
      ? { history: histories[primary]!, histories }
      : {}),
    ...(o.keep ? { dir } : {}),
  };
}

/**
 * Where each workload's history goes: `file` for the first workload (the register history when
 * both run), `<file>.counter.jsonl`-style siblings for the other (`out.jsonl` → `out.counter.jsonl`).
 */
export function historyPaths(
  workloads: readonly Workload[],
  file: string,
): Partial<Record<Workload, string>> {
  const out: Partial<Record<Workload, string>> = {};
  workloads.forEach((w, i) => {
    out[w] = i === 0 ? file : file.replace(/(\.jsonl)?$/, `.${w}.jsonl`);
  });
  return out;
}
