/**
 * `observatory start`: the whole lab on this machine. Starts the server (SQLite store by
 * default), then N real node processes with agents that stream to it, prints the URL and the
 * admin token, and on Ctrl-C stops every node before the server, so nothing is orphaned.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadEnvOrExit, out, serverOptionsFromEnv, stopOnSignals, tokenLines } from '../boot.ts';
import type { ErlTools } from '../beam/lab/erl.ts';
import type { RunningBeamLab } from '../beam/lab/run-beam-lab.ts';
import type { LabControl } from '../control/control.ts';
import { generateToken, scrubbedEnv } from '../env.ts';
import { ensureNextBuild } from '../next-build.ts';
import { startServer, type RunningServer } from '../start.ts';
import { LabNodes, type LabNodeSpec } from './nodes.ts';
import { freePort, portFree } from './ports.ts';

/** First node port of the lab; nodes take consecutive ports from here. */
export const DEFAULT_LAB_BASE_PORT = 9101;
const LAB_HOST = '127.0.0.1';
/** Lab nodes notice a partition within seconds, not a production minute. */
export const LAB_TICKTIME_MS = 4_000;
const SHUTDOWN_TIMEOUT_MS = 15_000;

export interface LabRunOptions {
  readonly nodes: number;
  readonly port: number;
  /** first node port; default 9101, or free ports when those are taken */
  readonly basePort?: number;
  readonly dev?: boolean;
  /** false: API and sockets only, no Next.js (tests) */
  readonly dashboard?: boolean;
  /**
   * The demo workload: extra `observatory node` arguments for each node, and a function started
   * once every node listens. Default: the shards ledger demo (`shardsDemo`); false: none.
   */
  readonly workload?: LabWorkload | false;
  /** real `erl` nodes beside the TypeScript ones (`--beam N`); the CLI found the tools */
  readonly beam?: { readonly count: number; readonly tools: ErlTools };
}

export interface LabWorkload {
  /** extra arguments for the node with this short name, given every member's full name */
  readonly nodeArgs?: (name: string, members: readonly string[]) => readonly string[];
  /** the shards store URL every node gets by environment (never argv: it may hold a password) */
  readonly storeUrl?: string;
  readonly start?: (lab: RunningLab) => void | Promise<void>;
}

/** Writes per second each lab node's local ledger workload starts. */
export const LAB_WORKLOAD_RATE = 20;

/**
 * The shards ledger demo: every node runs the shards service over one fenced SQLite store and
 * a small local workload, so the shard map, leases and fencing have something to show. Each lab
 * run gets a store of its own: two labs started from one directory must not bump each other's
 * epochs (they would fence each other's writes forever).
 */
export function shardsDemo(dataDir: string): LabWorkload {
  mkdirSync(dataDir, { recursive: true });
  const run = `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`;
  const store = `file:${join(dataDir, `lab-ledger-${run}.db`)}`;
  return {
    nodeArgs: (_name, members) => [
      '--shards',
      '--members',
      members.join(','),
      '--workload-rate',
      String(LAB_WORKLOAD_RATE),
      '--lab',
    ],
    storeUrl: store,
  };
}

export interface RunningLab {
  readonly server: RunningServer;
  readonly nodes: LabNodes;
  /** the BEAM half, when `beam` was asked for and has started */
  readonly beam: RunningBeamLab | undefined;
  stop(): Promise<void>;
}

/** One LabControl over the TypeScript and the BEAM nodes: each call goes to the lab that knows the node. */
function combineLabs(labs: readonly LabControl[]): LabControl {
  const owner = (node: string) => labs.find((l) => l.knows(node));
  return {
    knows: (node) => owner(node) !== undefined,
    kill: (node) => owner(node)?.kill(node) ?? false,
    restart: async (node) => {
      const lab = owner(node);
      if (lab === undefined) throw new Error(`${node} is not a lab node`);
      await lab.restart(node);
    },
  };
}

/** Consecutive ports from `base` when all are free, otherwise any free ports. */
async function nodePorts(count: number, base: number): Promise<number[]> {
  const wanted = Array.from({ length: count }, (_, i) => base + i);
  const free = await Promise.all(wanted.map((p) => portFree(p, LAB_HOST)));
  if (free.every(Boolean)) return wanted;
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort(LAB_HOST));
  return ports;
}

/** Starts the lab; exits the process with status 1 on a bad environment. */
export async function runLab(options: LabRunOptions): Promise<RunningLab> {
  const env = loadEnvOrExit();
  const dashboard = options.dashboard !== false;
  const dev = options.dev === true || env.dev;
  if (dashboard && !dev) await ensureNextBuild();
  const server = await startServer(
    serverOptionsFromEnv(env, { port: options.port, dev, dashboard }),
  );
  const ports = await nodePorts(options.nodes, options.basePort ?? DEFAULT_LAB_BASE_PORT);
  const workload =
    options.workload === false
      ? undefined
      : (options.workload ?? shardsDemo(resolve(process.cwd(), 'data')));
  const members = ports.map((_, i) => `n${i + 1}@${LAB_HOST}`);
  const specs: LabNodeSpec[] = ports.map((port, i) => {
    const name = `n${i + 1}`;
    const extraArgs = workload?.nodeArgs?.(name, members);
    return {
      name,
      host: LAB_HOST,
      port,
      ...(extraArgs !== undefined && { extraArgs }),
      ...(workload?.storeUrl !== undefined && { storeUrl: workload.storeUrl }),
    };
  });
  const nodes = new LabNodes({
    nodes: specs,
    cookie: env.clusterCookie ?? generateToken(),
    observatoryUrl: server.url,
    agentToken: env.agentToken,
    ticktimeMs: LAB_TICKTIME_MS,
    log: (line) => {
      // Membership lines and problems; the nodes' routine info stays out of the terminal.
      if (line.includes('"event"') || / (warn|error) /.test(line)) out(line);
    },
  });
  const observatory = server.context.observatory;
  observatory.setLab(nodes);

  let stopping: Promise<void> | undefined;
  let beam: RunningBeamLab | undefined;
  const lab: RunningLab = {
    server,
    nodes,
    get beam() {
      return beam;
    },
    stop() {
      stopping ??= (async () => {
        observatory.setLab(undefined);
        await beam?.stop();
        await nodes.stop();
        await server.close();
      })();
      return stopping;
    },
  };
  // Even in a hurry, the nodes go first: no orphans.
  const killNodes = () => {
    for (const name of nodes.names()) nodes.kill(name);
    for (const name of beam?.lab.names() ?? []) beam?.lab.kill(name);
  };
  stopOnSignals({
    stop: () => lab.stop(),
    hurry: killNodes,
    timeoutMs: SHUTDOWN_TIMEOUT_MS,
    doing: 'stopping the lab',
  });
  try {
    await nodes.start();
  } catch (error) {
    process.stderr.write(
      `observatory: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    await lab.stop();
    process.exit(1);
  }
  for (const [name, pid] of Object.entries(nodes.pids())) {
    const spec = specs.find((s) => `${s.name}@${s.host}` === name);
    out(`Lab node ${name} port ${spec?.port} pid ${pid}`);
  }
  if (options.beam !== undefined && options.beam.count > 0) {
    out(`BEAM lab: compiling the demo application, starting ${options.beam.count} erl node(s)…`);
    const { runBeamLab } = await import('../beam/lab/run-beam-lab.ts');
    try {
      beam = await runBeamLab({
        count: options.beam.count,
        tools: options.beam.tools,
        env: scrubbedEnv(),
        ingest: observatory.ingest,
        log: (line) => {
          if (/error|warn|crash|gone/i.test(line)) out(line);
        },
      });
    } catch (error) {
      process.stderr.write(
        `observatory: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      await lab.stop();
      process.exit(1);
    }
    observatory.setLab(combineLabs([nodes, beam.lab]));
    for (const [name, pid] of Object.entries(beam.lab.pids()))
      out(`BEAM node ${name} pid ${pid} (EPMD port ${beam.lab.epmdPort})`);
  }
  await workload?.start?.(lab);
  out(`Dashboard: ${server.url}/`);
  tokenLines(env, ['admin']).forEach(out);
  const beamCount = beam === undefined ? '' : ` and ${beam.lab.names().length} BEAM node(s)`;
  out(`Lab ready: ${options.nodes} node(s)${beamCount}. Ctrl-C stops the lab and every node.`);
  return lab;
}
