/**
 * The lab's node processes: each `observatory node` runs as a child in its own process group
 * (so a kill reaches everything it started, and a Ctrl-C in the terminal reaches only the
 * launcher, which then stops the children in order). Restart re-spawns under the same name and
 * port, so peers and seeds find it again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { getPriority, setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { labNodeEnv } from '../env.ts';
import { agentCredential } from '../ingest/credentials.ts';
import { PROJECT_ROOT } from '../paths.ts';
import { LabProcesses } from './lab-processes.ts';

/**
 * Time a node gets to print its `listening` line. Starts are bounded (`concurrency`), so this
 * does not grow with the lab; it covers a process start on a loaded two-core machine.
 */
export const NODE_START_TIMEOUT_MS = 30_000;
/** Time given to SIGTERM before SIGKILL when the lab stops. */
export const NODE_STOP_GRACE_MS = 3_000;

export interface LabNodeSpec {
  /** short name, e.g. `n1` */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** extra arguments (e.g. shard options of the demo workload); never a secret */
  readonly extraArgs?: readonly string[];
  /** the node's shards store URL, given by env OBSERVATORY_STORE_URL (it may hold a password) */
  readonly storeUrl?: string;
  /** short names of the lab nodes this one is seeded with; default every other */
  readonly seeds?: readonly string[];
}

export interface LabNodesOptions {
  readonly nodes: readonly LabNodeSpec[];
  readonly cookie: string;
  readonly observatoryUrl: string;
  /** the observatory's agent secret; each node receives only the credential derived for it */
  readonly agentToken: string;
  /** node output lines, prefixed with the node name */
  readonly log?: (line: string) => void;
  /** `--ticktime` of every node; default the runtime's */
  readonly ticktimeMs?: number;
  /** default: `node bin/observatory.mjs` of this repository */
  readonly command?: readonly string[];
  /** every stdout line of a node (its `--events json` lines), by full name */
  readonly onLine?: (node: string, line: string) => void;
  /** a node's process exited */
  readonly onExit?: (node: string) => void;
  /** node processes started at once by `start()`; default all */
  readonly concurrency?: number;
  /** niceness added to each node process (its main thread) over the server's; default 0 */
  readonly nice?: number;
  /** after each node of `start()` is up: how many are, of how many */
  readonly onStarted?: (started: number, total: number) => void;
}

/** Raised when a node process does not come up. */
export class LabNodeStartError extends Error {
  readonly code = 'LAB_NODE_START_FAILED';
  constructor(name: string, reason: string) {
    super(`lab node ${name} did not start: ${reason}`);
    this.name = 'LabNodeStartError';
  }
}

interface Running {
  spec: LabNodeSpec;
  fullName: string;
  child: ChildProcess | undefined;
  exited: Promise<void>;
}

export class LabNodes extends LabProcesses<Running> {
  constructor(private readonly options: LabNodesOptions) {
    super();
    for (const spec of options.nodes) {
      const fullName = `${spec.name}@${spec.host}`;
      this.nodes.set(fullName, { spec, fullName, child: undefined, exited: Promise.resolve() });
    }
  }

  /**
   * Starts every node, at most `concurrency` at a time (in the order given, so the first nodes,
   * which larger labs use as seeds, come first); resolves when each printed its `listening` line.
   * Bounding the starts keeps each node's start timeout meaningful whatever the lab's size.
   */
  async start(): Promise<void> {
    const queue = [...this.nodes.values()];
    const total = queue.length;
    let started = 0;
    const worker = async () => {
      for (let r = queue.shift(); r !== undefined; r = queue.shift()) {
        await this.spawn(r);
        this.options.onStarted?.(++started, total);
      }
    };
    const workers = Math.max(1, Math.min(this.options.concurrency ?? total, total));
    await Promise.all(Array.from({ length: workers }, worker));
  }

  /** SIGTERM to every node group, SIGKILL after the grace period; resolves when all exited. */
  stop(): Promise<void> {
    return this.stopNodes(NODE_STOP_GRACE_MS);
  }

  protected notALabNode(node: string): Error {
    return new LabNodeStartError(node, 'not a lab node');
  }

  private seedsFor(spec: LabNodeSpec): string {
    const others =
      spec.seeds ?? this.options.nodes.filter((n) => n.name !== spec.name).map((n) => n.name);
    const byName = new Map(this.options.nodes.map((n) => [n.name, n]));
    return others
      .map((name) => byName.get(name))
      .filter((n) => n !== undefined)
      .map((n) => `${n.host}:${n.port}`)
      .join(',');
  }

  protected spawn(r: Running): Promise<void> {
    if (this.stopped)
      return Promise.reject(new LabNodeStartError(r.fullName, 'the lab is stopping'));
    const [cmd, ...pre] = this.options.command ?? [
      process.execPath,
      join(PROJECT_ROOT, 'bin', 'observatory.mjs'),
    ];
    const args = [
      ...pre,
      'node',
      '--name',
      r.spec.name,
      '--host',
      r.spec.host,
      '--port',
      String(r.spec.port),
      '--events',
      'json',
      '--observatory',
      this.options.observatoryUrl,
      ...(this.seedsFor(r.spec) === '' ? [] : ['--seeds', this.seedsFor(r.spec)]),
      ...(this.options.ticktimeMs === undefined
        ? []
        : ['--ticktime', String(this.options.ticktimeMs)]),
      ...(r.spec.extraArgs ?? []),
    ];
    const child = spawn(cmd!, args, {
      cwd: PROJECT_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Secrets go by environment: argv is readable by every local user (`ps`), a process's
      // environment only by its owner. The admin token is not passed at all, and each node gets
      // only its own agent credential.
      env: labNodeEnv({
        cookie: this.options.cookie,
        agentToken: agentCredential(this.options.agentToken, r.fullName),
        ...(r.spec.storeUrl !== undefined && { storeUrl: r.spec.storeUrl }),
      }),
    });
    r.child = child;
    if ((this.options.nice ?? 0) !== 0 && child.pid !== undefined) {
      try {
        // relative to the server's own niceness (19 is the lowest priority there is)
        setPriority(child.pid, Math.min(19, getPriority() + this.options.nice!));
      } catch (error) {
        // a lower priority is a courtesy to the server, never a reason to fail the start
        this.options.log?.(`[${r.spec.name}] priority not lowered: ${String(error)}`);
      }
    }
    r.exited = new Promise((resolve) =>
      child.once('exit', () => {
        this.options.onExit?.(r.fullName);
        resolve();
      }),
    );
    const log = this.options.log ?? (() => {});
    const onLine = this.options.onLine;
    createInterface({ input: child.stderr }).on('line', (line) => log(`[${r.spec.name}] ${line}`));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new LabNodeStartError(r.fullName, `no listening line within ${NODE_START_TIMEOUT_MS} ms`),
        );
      }, NODE_START_TIMEOUT_MS);
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (line.includes('"event":"listening"')) {
          clearTimeout(timer);
          resolve();
        }
        onLine?.(r.fullName, line);
        log(`[${r.spec.name}] ${line}`);
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new LabNodeStartError(r.fullName, error.message));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new LabNodeStartError(r.fullName, `exited (${signal ?? code}) before listening`));
      });
    });
  }
}
