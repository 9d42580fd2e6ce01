/**
 * `observatory drill all --runs N`: every drill N times, each run a fresh `observatory drill
 * <name> --json` process (so one run's processes, listeners and temp files cannot leak into the
 * next), and the counts that give confidence in numbers: pass / fail / unknown per drill, and how
 * much faster the clients' history was checked than the run that produced it.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLIENTS_THROUGH_FAULTS } from './fault-ops.ts';
import { ALL_RANDOM_DURATION_MS, DRILLS, type DrillName } from './kinds.ts';

const CLI_ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/observatory.mjs');
/** a run that takes longer is stopped and counted as a failure */
const RUN_TIMEOUT_MS = 180_000;

export interface DrillTally {
  readonly drill: DrillName;
  readonly runs: number;
  readonly pass: number;
  readonly fail: number;
  /**
   * the clients' history could not be decided within the checker's budget, or the clients
   * completed no operation during some fault (the run proves nothing about it)
   */
  readonly unknown: number;
  /** the clients' history checks: total and slowest, ms */
  readonly checkerMsTotal: number;
  readonly checkerMsMax: number;
  /** the runs' durations: total, ms */
  readonly runMsTotal: number;
  /** the smallest run duration / its history check time over the runs (target ≥ 10) */
  readonly minSpeedup: number;
  /** why each failing run failed (its error or its first violations), at most 10 */
  readonly failures: readonly string[];
  /**
   * with `keepFailed`: the temp dirs (store, outcome logs, histories) of the runs that did not
   * pass, every one, so that each can be read and its histories re-checked
   */
  readonly kept?: readonly string[];
}

export interface AllReport {
  readonly verdict: 'pass' | 'fail';
  readonly runsPerDrill: number;
  readonly drills: readonly DrillTally[];
}

export interface RunReport {
  verdict?: string;
  durationMs?: number;
  error?: string;
  violations?: { kind: string; detail: string }[];
  linearizability?: LinReport;
  linearizabilityByModel?: Record<string, LinReport>;
  findings?: { seed?: number };
  /** the run's temp dir, when it was kept (`--keep`) */
  dir?: string;
  checker?: string;
  expectations?: { name: string; pass: boolean; detail: string; inconclusive?: boolean }[];
}

/**
 * A run that found nothing wrong but whose clients completed no operation during some fault, or
 * whose only other failed expectations were confounded (`inconclusive`: e.g. a clock step whose
 * unstepped control node lost its leases too), proves nothing about that fault: `unknown`, like
 * an undecided history, not `pass`.
 */
export function provedNothing(r: RunReport, lins: readonly LinReport[]): boolean {
  const failed = (r.expectations ?? []).filter((e) => !e.pass);
  return (
    r.error === undefined &&
    r.checker === 'pass' &&
    lins.every((l) => l.verdict === 'pass') &&
    failed.length > 0 &&
    failed.every((e) => e.name === CLIENTS_THROUGH_FAULTS || e.inconclusive === true)
  );
}

export interface LinReport {
  verdict: string;
  model?: string;
  elapsedMs: number;
  failures?: { key: unknown; window?: unknown[] }[];
}

/** why a run failed, in one line: its error, its first violations, or its non-linearizable keys */
function whyFailed(r: RunReport, lins: readonly LinReport[]): string {
  if (r.error) return r.error;
  const v = (r.violations ?? [])
    .slice(0, 3)
    .map((x) => `${x.kind}: ${x.detail}`)
    .join('; ');
  const l = lins
    .filter((x) => x.verdict !== 'pass')
    .map(
      (x) =>
        `linearizability (${x.model}) ${x.verdict}: ${(x.failures ?? [])
          .slice(0, 3)
          .map((f) => `key ${JSON.stringify(f.key)} (${f.window?.length ?? 0} operations)`)
          .join(', ')}`,
    )
    .join('; ');
  const seed = r.findings?.seed === undefined ? '' : ` [seed ${r.findings.seed}]`;
  return ([v, l].filter((x) => x !== '').join('; ') || 'expectations not met') + seed;
}

/** One drill run: its report, or why there is none. */
export type RunOnce = (drill: DrillName, args: readonly string[]) => Promise<RunReport | string>;

const runOnce: RunOnce = (drill, args) => {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI_ENTRY, 'drill', drill, '--json', ...args], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    const timer = setTimeout(() => child.kill('SIGTERM'), RUN_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      try {
        done(JSON.parse(out.trim()) as RunReport);
      } catch {
        done(`no report (${out.trim().slice(0, 200) || 'empty output'})`);
      }
    });
  });
};

export interface RunAllOptions {
  readonly durationMs?: number;
  readonly drills?: readonly DrillName[];
  /**
   * every run keeps its temp dir (`--keep`); a passing run's is then deleted, a failing or
   * unknown run's stays and is listed in `kept` and on its failure line
   */
  readonly keepFailed?: boolean;
  /** tests: how one run is made (default: a fresh `observatory drill <name> --json` process) */
  readonly run?: RunOnce;
}

export async function runAll(
  runs: number,
  args: readonly string[],
  options: RunAllOptions,
  progress?: (line: Record<string, unknown>) => void,
): Promise<AllReport> {
  const drills: DrillTally[] = [];
  const run = options.run ?? runOnce;
  const shared = options.keepFailed ? [...args, '--keep'] : args;
  for (const drill of options.drills ?? DRILLS) {
    let pass = 0;
    let fail = 0;
    let unknown = 0;
    let checkerMsTotal = 0;
    let checkerMsMax = 0;
    let runMsTotal = 0;
    let minSpeedup = Infinity;
    const failures: string[] = [];
    const kept: string[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await run(
        drill,
        drill === 'random'
          ? [...shared, '--duration', `${options.durationMs ?? ALL_RANDOM_DURATION_MS}ms`]
          : shared,
      );
      // the failure line (if any) names where the run's files are
      const at = typeof r !== 'string' && r.dir !== undefined ? ` (kept: ${r.dir})` : '';
      if (typeof r === 'string') {
        fail++;
        if (failures.length < 10) failures.push(r);
      } else {
        if (r.dir !== undefined) {
          if (r.verdict === 'pass') rmSync(r.dir, { recursive: true, force: true });
          else kept.push(r.dir);
        }
        const lins = Object.values(
          r.linearizabilityByModel ?? (r.linearizability ? { x: r.linearizability } : {}),
        );
        if (r.verdict !== 'pass' && lins.some((l) => l.verdict === 'unknown')) unknown++;
        else if (r.verdict !== 'pass' && provedNothing(r, lins)) {
          unknown++;
          if (failures.length < 10)
            failures.push(
              `unknown: ${r.expectations?.find((e) => !e.pass)?.detail ?? 'idle clients'}${at}`,
            );
        } else if (r.verdict === 'pass') pass++;
        else {
          fail++;
          if (failures.length < 10) failures.push(`${whyFailed(r, lins)}${at}`);
        }
        runMsTotal += r.durationMs ?? 0;
        if (lins.length > 0) {
          // every workload's history is checked: their times add up
          const checkMs = lins.reduce((t, l) => t + l.elapsedMs, 0);
          checkerMsTotal += checkMs;
          checkerMsMax = Math.max(checkerMsMax, checkMs);
          minSpeedup = Math.min(minSpeedup, (r.durationMs ?? 0) / Math.max(checkMs, 0.001));
        }
      }
      progress?.({ drill, run: i + 1, of: runs, pass, fail, unknown });
    }
    drills.push({
      drill,
      runs,
      pass,
      fail,
      unknown,
      checkerMsTotal,
      checkerMsMax,
      runMsTotal,
      minSpeedup: Number.isFinite(minSpeedup) ? minSpeedup : 0,
      failures,
      ...(options.keepFailed ? { kept } : {}),
    });
  }
  const verdict = drills.every((d) => d.pass === d.runs) ? 'pass' : 'fail';
  return { verdict, runsPerDrill: runs, drills };
}

export function formatAll(r: AllReport): string {
  const lines = [`drill all: ${r.verdict.toUpperCase()} (${r.runsPerDrill} runs per drill)`];
  for (const d of r.drills) {
    lines.push(
      `  ${d.drill.padEnd(12)} ${d.pass}/${d.runs} pass, ${d.fail} fail, ${d.unknown} unknown; history checked in ≤ ${d.checkerMsMax.toFixed(1)} ms, ≥ ${Math.round(d.minSpeedup)}× faster than its run`,
    );
    for (const f of d.failures) lines.push(`    ${f}`);
    // an undecided history has no failure line of its own
    for (const dir of d.kept ?? [])
      if (!d.failures.some((f) => f.includes(dir))) lines.push(`    kept: ${dir}`);
  }
  return lines.join('\n');
}
