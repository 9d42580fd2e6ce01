/**
 * The drill's node processes: each `observatory node` runs detached in its own process group, so
 * that SIGKILL/SIGSTOP/SIGCONT reach exactly that node and everything it started. Every group is
 * SIGKILLed when the drill ends — normally, on an error, on Ctrl-C, or when the drill process
 * itself exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI_ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/observatory.mjs');
const STDERR_TAIL_CHARS = 4_000;

export interface NodeProcess {
  readonly label: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** resolves with the port from the node's `listening` line */
  readonly listening: Promise<number>;
  readonly exited: Promise<number | string>;
  stderrTail(): string;
  /** signals the whole process group; false when it is gone */
  signal(signal: NodeJS.Signals): boolean;
}

const groups = new Set<number>();
let hooked = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** SIGKILLs every process group still registered (stopped ones too: SIGKILL needs no SIGCONT). */
export function killAllGroups(): void {
  for (const pid of groups) killGroup(pid);
  groups.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllGroups);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAllGroups();
      process.exit(130);
    });
  }
}

/** A free loopback port, to be handed to a node (a small race with other processes is accepted). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Spawns `observatory node <args>` (with `--events json`) in a new process group. */
export function spawnNode(
  label: string,
  args: readonly string[],
  startTimeoutMs: number,
): NodeProcess {
  hookExit();
  const child = spawn(process.execPath, [CLI_ENTRY, 'node', ...args, '--events', 'json'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${label}: spawn failed`);
  const pid = child.pid;
  groups.add(pid);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  const exited = new Promise<number | string>((done) => {
    child.once('exit', (code, sig) => {
      groups.delete(pid);
      done(code ?? sig ?? 'unknown');
    });
  });
  const listening = new Promise<number>((done, reject) => {
    let partial = '';
    const timer = setTimeout(
      () => reject(new Error(`${label} did not start within ${startTimeoutMs} ms: ${stderr}`)),
      startTimeoutMs,
    );
    child.stdout?.setEncoding('utf8');
    // keep reading: a full pipe would block the node
    child.stdout?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.includes('"listening"')) continue;
        try {
          const v = JSON.parse(line) as { event?: unknown; port?: unknown };
          if (v.event === 'listening' && typeof v.port === 'number') {
            clearTimeout(timer);
            done(v.port);
          }
        } catch {
          // not a JSON line
        }
      }
    });
    void exited.then((status) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited (${String(status)}) before listening: ${stderr}`));
    });
  });
  listening.catch(() => undefined);
  return {
    label,
    pid,
    child,
    listening,
    exited,
    stderrTail: () => stderr,
    signal(sig) {
      try {
        process.kill(-pid, sig);
        return true;
      } catch {
        return false;
      }
    },
  };
}
