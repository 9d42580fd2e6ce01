/**
 * Runs one drill as a child process (`observatory drill <kind> --json --progress`): parses the
 * JSON progress lines on stderr as they come, the one JSON report on stdout at the end, and turns
 * a crash, a timeout or a missing report into a failure with stderr's last lines. The child is
 * spawned through a small port so the parsing and timeout logic is tested with a fake child.
 */
import { spawn as nodeSpawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.ts';
import type { Clock } from '../clock.ts';
import { scrubbedEnv } from '../env.ts';

import type { DrillKind, DrillProgress, DrillReport, UnsafeSwitch } from '../../protocol/http.ts';

export {
  DRILL_KINDS,
  type DrillKind,
  type DrillProgress,
  type DrillReport,
} from '../../protocol/http.ts';

/** A drill killed after this long is failed (a split-brain drill takes ~15 s here). */
export const DEFAULT_DRILL_TIMEOUT_MS = 120_000;
/** Between SIGTERM to the drill's process group and SIGKILL. */
export const DRILL_KILL_GRACE_MS = 3_000;
/** How many stderr lines that are not progress are kept for the error message. */
const STDERR_TAIL_LINES = 10;
/** Bounds what is buffered from a misbehaving child. */
const MAX_STDOUT_BYTES = 4 * 1024 * 1024;
const MAX_LINE_CHARS = 64 * 1024;

export type DrillOutcome =
  | { readonly passed: boolean; readonly report: DrillReport; readonly error?: string }
  | { readonly passed: false; readonly report?: undefined; readonly error: string };

/** The part of a child process the runner uses. */
export interface DrillChild {
  readonly stdout: Readable;
  readonly stderr: Readable;
  once(event: 'close', listener: (code: number | null, signal: string | null) => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
  /** Signals the child's whole process group. */
  killGroup(signal: 'SIGTERM' | 'SIGKILL'): void;
}

export type DrillSpawner = (args: readonly string[]) => DrillChild;

/** The part of the server's clock the runner needs, so the timeout is tested with fake time. */
export type DrillTimers = Pick<Clock, 'setTimeout' | 'clearTimeout'>;

export interface RunDrillOptions {
  readonly kind: DrillKind;
  readonly nodes?: number | undefined;
  /** where the drill writes its clients' history (`--history FILE`); default: not kept */
  readonly history?: string | undefined;
  /** a negative control (`--unsafe`): validated with its drill by the request schema */
  readonly unsafe?: UnsafeSwitch | undefined;
  /** default {@link DEFAULT_DRILL_TIMEOUT_MS} */
  readonly timeoutMs?: number;
  /** default {@link DRILL_KILL_GRACE_MS} */
  readonly killGraceMs?: number;
  /** default: the real CLI in its own process group ({@link spawnDrillCli}) */
  readonly spawn?: DrillSpawner;
  readonly timers?: DrillTimers;
  readonly onProgress?: (progress: DrillProgress) => void;
}

export interface RunningDrill {
  readonly done: Promise<DrillOutcome>;
  /** Stops the drill (SIGTERM, then SIGKILL after the grace); `done` then resolves failed. */
  stop(reason: string): void;
}

/** The CLI arguments for a drill. */
export function drillArgs(
  kind: DrillKind,
  nodes?: number,
  history?: string,
  unsafe?: UnsafeSwitch,
): string[] {
  return [
    'drill',
    kind,
    '--json',
    '--progress',
    ...(nodes === undefined ? [] : ['--nodes', String(nodes)]),
    ...(history === undefined ? [] : ['--history', history]),
    ...(unsafe === undefined ? [] : ['--unsafe', unsafe]),
  ];
}

/**
 * Tells the drill CLI that its stdin is a lifeline from this process (cli/drill/processes.ts
 * watches it): the server never writes to the pipe, and when the server dies — even by SIGKILL,
 * which no handler sees — the kernel closes it, the drill sees the end of its stdin and kills its
 * node processes at once. Without it a drill outlives a killed server and runs to its end.
 */
export const DRILL_LIFELINE_ARGS = ['--lifeline', 'stdin'] as const;

/**
 * Spawns `node bin/observatory.mjs <args> --lifeline stdin` detached, so its whole group can be
 * signalled, with stdin as its lifeline ({@link DRILL_LIFELINE_ARGS}).
 */
export const spawnDrillCli: DrillSpawner = (args) => {
  const cli = join(PROJECT_ROOT, 'bin/observatory.mjs');
  const child = nodeSpawn(process.execPath, [cli, ...args, ...DRILL_LIFELINE_ARGS], {
    cwd: PROJECT_ROOT,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    // the drill and its nodes need none of the server's secrets (admin token, store URL)
    env: scrubbedEnv() as NodeJS.ProcessEnv,
  });
  // nothing is ever written; an EPIPE after the drill ended is of no interest
  child.stdin.on('error', () => {});
  child.once('exit', () => child.stdin.destroy());
  return {
    stdout: child.stdout,
    stderr: child.stderr,
    once: (event: string, listener: (...a: never[]) => void) =>
      child.once(event, listener as (...a: unknown[]) => void),
    killGroup(signal) {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // the group is already gone
      }
    },
  };
};

/** Parses one stderr line as a progress object, or undefined for any other line. */
export function parseProgressLine(line: string): DrillProgress | undefined {
  const text = line.trim();
  if (!text.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const o = value as Record<string, unknown>;
    if (typeof o.phase !== 'string' || typeof o.at !== 'number') return undefined;
    return o as DrillProgress;
  } catch {
    return undefined;
  }
}

/** Finds the report in stdout: the last line that is a JSON object with a string `verdict`. */
export function parseReport(stdout: string): DrillReport | undefined {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const value = JSON.parse(lines[i]!) as unknown;
      if (
        typeof value === 'object' &&
        value !== null &&
        typeof (value as { verdict?: unknown }).verdict === 'string'
      ) {
        return value as DrillReport;
      }
    } catch {
      // not the report
    }
  }
  return undefined;
}

/** Splits a stream into lines, bounded per line. */
function onLines(stream: Readable, each: (line: string) => void): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop()!.slice(-MAX_LINE_CHARS);
    for (const line of lines) each(line);
  });
  stream.on('end', () => {
    if (partial !== '') each(partial);
    partial = '';
  });
}

/** Starts a drill; never rejects: every way it can end is a {@link DrillOutcome}. */
export function runDrill(options: RunDrillOptions): RunningDrill {
  // not unref'd: a drill in progress keeps the server's timeout alive
  const timers: DrillTimers = options.timers ?? {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  };
  const spawn = options.spawn ?? spawnDrillCli;
  const timeoutMs = options.timeoutMs ?? DEFAULT_DRILL_TIMEOUT_MS;
  const graceMs = options.killGraceMs ?? DRILL_KILL_GRACE_MS;

  let stopReason: string | undefined;
  let killTimer: unknown;
  let child: DrillChild | undefined;
  const stop = (reason: string) => {
    if (stopReason !== undefined || child === undefined) return;
    stopReason = reason;
    const c = child;
    c.killGroup('SIGTERM');
    killTimer = timers.setTimeout(() => c.killGroup('SIGKILL'), graceMs);
  };

  const done = new Promise<DrillOutcome>((resolve) => {
    try {
      child = spawn(drillArgs(options.kind, options.nodes, options.history, options.unsafe));
    } catch (error) {
      resolve({ passed: false, error: `drill did not start: ${String(error)}` });
      return;
    }
    const c = child;
    let stdout = '';
    const tail: string[] = [];
    c.stdout.setEncoding('utf8');
    c.stdout.on('data', (chunk: string) => {
      if (stdout.length < MAX_STDOUT_BYTES) stdout += chunk;
    });
    onLines(c.stderr, (line) => {
      const progress = parseProgressLine(line);
      if (progress !== undefined) {
        try {
          options.onProgress?.(progress);
        } catch {
          // a listener's failure must not end the drill
        }
      } else if (line.trim() !== '') {
        tail.push(line.slice(0, 1_000));
        if (tail.length > STDERR_TAIL_LINES) tail.shift();
      }
    });
    const timeout = timers.setTimeout(
      () => stop(`drill timed out after ${timeoutMs} ms`),
      timeoutMs,
    );
    let settled = false;
    const finish = (outcome: DrillOutcome) => {
      if (settled) return;
      settled = true;
      timers.clearTimeout(timeout);
      if (killTimer !== undefined) timers.clearTimeout(killTimer);
      // lab nodes of a drill that was stopped or crashed end with their parent; the group
      // signal catches anything else it left behind
      c.killGroup('SIGKILL');
      resolve(outcome);
    };
    c.once('error', (error) =>
      finish({ passed: false, error: `drill did not start: ${error.message}` }),
    );
    c.once('close', (code, signal) => {
      const report = parseReport(stdout);
      const stderrTail = tail.join('\n');
      if (stopReason !== undefined) {
        finish({
          passed: false,
          ...(report && { report }),
          error: stopReason + (stderrTail ? `\n${stderrTail}` : ''),
        });
        return;
      }
      if (report === undefined) {
        const how = signal === null ? `exit status ${code}` : `signal ${signal}`;
        finish({
          passed: false,
          error: `drill ended (${how}) without a report${stderrTail ? `:\n${stderrTail}` : ''}`,
        });
        return;
      }
      const passed = code === 0 && report.verdict === 'pass';
      finish(
        passed || typeof report.error !== 'string'
          ? { passed, report }
          : { passed, report, error: report.error },
      );
    });
  });
  return { done, stop };
}
