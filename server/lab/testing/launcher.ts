/**
 * A real `observatory start …` launcher process, as a person runs it from a terminal, for the tests
 * that check what it prints and that Ctrl-C leaves none of its nodes behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PROJECT_ROOT } from '../../paths.ts';

export const OBSERVATORY_BIN = join(PROJECT_ROOT, 'bin', 'observatory.mjs');

export interface LaunchOptions {
  /** arguments after `observatory` */
  readonly args: readonly string[];
  /** working directory; the lab's SQLite file goes there too */
  readonly dir: string;
  readonly adminToken: string;
  /** a stdout line announcing one node; its first group is the node's pid */
  readonly nodeLine: RegExp;
  /** how long until `Lab ready` before `ready` rejects with everything printed so far */
  readonly readyTimeoutMs: number;
}

export interface Launcher {
  readonly child: ChildProcess;
  /** stdout lines and stderr chunks, in arrival order */
  readonly lines: string[];
  /** pids of the nodes the launcher announced */
  readonly nodePids: number[];
  /** resolves once `Lab ready` is printed */
  readonly ready: Promise<void>;
  /** the launcher's exit code */
  readonly exited: Promise<number | null>;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Spawns the launcher in its own process group (so a test can send it SIGINT alone). */
export function launch(options: LaunchOptions): Launcher {
  const child = spawn(process.execPath, [OBSERVATORY_BIN, ...options.args], {
    cwd: options.dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DATABASE_URL: `file:${join(options.dir, 'lab.db')}`,
      OBSERVATORY_ADMIN_TOKEN: options.adminToken,
    },
  });
  const lines: string[] = [];
  const nodePids: number[] = [];
  child.stderr.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`lab not ready: ${lines.join('')}`)),
      options.readyTimeoutMs,
    );
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      const pid = options.nodeLine.exec(line)?.[1];
      if (pid !== undefined) nodePids.push(Number(pid));
      if (line.startsWith('Lab ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { child, lines, nodePids, ready, exited };
}

/** Whatever a test found, leaves nothing running: SIGKILL to the launcher's and each node's group. */
export function killLeftovers(launcher: Launcher | undefined): void {
  for (const pid of [launcher?.child.pid, ...(launcher?.nodePids ?? [])]) {
    if (pid === undefined || !alive(pid)) continue;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      process.kill(pid, 'SIGKILL');
    }
  }
}
