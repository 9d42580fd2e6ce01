import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, expect } from 'vitest';

/**
 * Test harness: a drill through the real CLI (`node bin/observatory.mjs drill … --json
 * --progress`): real node processes, a real SQLite file, the checkers. The drill kills its own
 * nodes; the drill process itself runs in its own group so that a failing test still reaps
 * everything.
 */
export const BIN = fileURLToPath(new URL('../../bin/observatory.mjs', import.meta.url));
export const DRILL_TIMEOUT_MS = 90_000;

export interface Run {
  status: number | string;
  report: Record<string, unknown>;
  progress: Record<string, unknown>[];
  stderr: string;
}

const groups = new Set<number>();

/** Registers the hook that SIGKILLs every drill group a test started; call once per file. */
export function reapDrills(): void {
  afterEach(() => {
    for (const pid of groups) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    groups.clear();
  });
}

export function drill(args: string[], timeoutMs = DRILL_TIMEOUT_MS): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      [BIN, 'drill', ...args, '--json', '--progress', '--hold-ms', '500'],
      {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    if (child.pid !== undefined) groups.add(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => reject(new Error(`drill timed out: ${stderr}`)), timeoutMs);
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      const lines = stdout.trim().split('\n');
      try {
        expect(lines).toHaveLength(1);
        const progress = stderr
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        resolve({
          status: code ?? sig ?? 'unknown',
          report: JSON.parse(lines[0]!) as Record<string, unknown>,
          progress,
          stderr,
        });
      } catch (err) {
        reject(new Error(`bad drill output (${String(err)}): ${stdout}\n${stderr}`));
      }
    });
  });
}

/** Runs `observatory drill …` expecting it to refuse its options; returns status and stderr. */
export async function refused(args: string[]): Promise<{ status: unknown; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'drill', ...args], { stdio: 'pipe' });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const status = await new Promise((r) => child.once('exit', r));
  return { status, stderr };
}

export const invariants = {
  verdict: 'pass',
  checker: 'pass',
  doubleWrites: 0,
  lostAckedWrites: 0,
  epochRegressions: 0,
  splitBrainEpochs: 0,
  foreignEpochWrites: 0,
  staleEpochWrites: 0,
};

/** Runs a drill that must pass: every invariant holds and the exit status is 0. */
export async function passingDrill(args: string[]): Promise<Run> {
  const run = await drill(args);
  expect(run.report, String(run.report.error)).toMatchObject(invariants);
  expect(run.status).toBe(0);
  return run;
}
