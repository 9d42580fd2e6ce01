/**
 * The drill's node processes: each `observatory node` runs detached in its own process group, so
 * that SIGKILL/SIGSTOP/SIGCONT reach exactly that node and everything it started. Every group is
 * SIGKILLed when the drill ends — normally, on an error, on Ctrl-C, or when the drill process
 * itself exits — and, for a drill run by the observatory server, when that server dies (the
 * lifeline below). A drill process SIGKILLed itself leaves its `--lab` nodes to end themselves:
 * they watch their parent (cli/node/shards-lab.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
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

/** Exit status of a drill ended by its lifeline (nobody is left to read it). */
const LIFELINE_EXIT_STATUS = 129;

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

/** What the drill process does on its way out: its nodes killed, then its scratch folders gone. */
function cleanUp(): void {
  killAllGroups();
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
  scratchDirs.clear();
}

const scratchDirs = new Set<string>();

/**
 * Removes `dir` when the drill process ends in any way it can see (normal exit, a signal, the
 * lifeline closing), once its nodes are killed.
 */
export function removeOnExit(dir: string): void {
  hookExit();
  scratchDirs.add(dir);
}

/**
 * Ends the drill and its nodes when `input` ends, errs or closes. A process that owns the drill
 * (the observatory server, server/drills/runner.ts) runs it with `--lifeline stdin`: stdin is then
 * a pipe the owner never writes to, and its end means the owner is gone — even by SIGKILL, as the
 * kernel closes its end of the pipe — so every node group is killed and the drill ends at once.
 */
export function watchLifeline(input: NodeJS.ReadableStream & { unref?: () => void }): void {
  const end = () => {
    cleanUp();
    process.exit(LIFELINE_EXIT_STATUS);
  };
  input.once('end', end);
  input.once('close', end);
  input.once('error', end);
  // read (and drop) so the end is seen; the pipe alone must not keep the drill process alive
  input.on('data', () => {});
  input.resume();
  input.unref?.();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', cleanUp);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      cleanUp();
      process.exit(130);
    });
  }
}

/** Secrets a drill node gets by environment: argv is readable by every local user (`ps`). */
export interface NodeSecrets {
  /** CLUSTER_COOKIE */
  readonly cookie: string;
  /** OBSERVATORY_STORE_URL (a PostgreSQL URL may hold a password) */
  readonly storeUrl?: string;
}

/**
 * Variables a node must not inherit from the drill process: the observatory's admin token and
 * store URL (a drill started by the server inherits the server's environment), and secrets a
 * node receives explicitly or not at all.
 */
const NOT_FOR_NODES = new Set([
  'OBSERVATORY_ADMIN_TOKEN',
  'DATABASE_URL',
  'OBSERVATORY_AGENT_TOKEN',
  'CLUSTER_COOKIE',
  'OBSERVATORY_STORE_URL',
]);

/** The environment of a drill node: ours without {@link NOT_FOR_NODES}, plus its secrets. */
export function nodeEnv(
  secrets: NodeSecrets,
  source: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(source))
    if (value !== undefined && !NOT_FOR_NODES.has(key)) env[key] = value;
  env.CLUSTER_COOKIE = secrets.cookie;
  if (secrets.storeUrl !== undefined) env.OBSERVATORY_STORE_URL = secrets.storeUrl;
  return env;
}

/** Spawns `observatory node <args>` (with `--events json`) in a new process group. */
export function spawnNode(
  label: string,
  args: readonly string[],
  secrets: NodeSecrets,
  startTimeoutMs: number,
): NodeProcess {
  hookExit();
  const child = spawn(process.execPath, [CLI_ENTRY, 'node', ...args, '--events', 'json'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: nodeEnv(secrets) as NodeJS.ProcessEnv,
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
