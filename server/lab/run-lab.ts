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
import { MeshProgress } from './mesh-progress.ts';
import { ensureNodeBundle } from './node-bundle.ts';
import { LabNodes, type LabNodeSpec } from './nodes.ts';
import { freePort, portFree } from '../../cluster/ports.ts';
import {
  LAB_START_CONCURRENCY,
  LAB_VERBOSE_MAX_NODES,
  labSeedIndexes,
  labShardMembers,
  labNodeNice,
  labTicktimeMs,
  labWorkloadRate,
} from './scale.ts';

/** First node port of the lab; nodes take consecutive ports from here. */
export const DEFAULT_LAB_BASE_PORT = 9101;
const LAB_HOST = '127.0.0.1';
export { LAB_TICKTIME_MS } from './scale.ts';
const SHUTDOWN_TIMEOUT_MS = 15_000;
/** How often start-up progress is printed at most. */
const PROGRESS_EVERY_MS = 2_000;
/** How long `Lab ready` waits for the full mesh before saying it is not complete yet. */
const MESH_WAIT_MS = 120_000;

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
  /**
   * Extra arguments for the node with this short name, given the full names of the nodes that
   * run the workload (`labShardMembers`: the first 16 of a larger lab); called only for those.
   */
  readonly nodeArgs?: (name: string, members: readonly string[]) => readonly string[];
  /** the shards store URL every node gets by environment (never argv: it may hold a password) */
  readonly storeUrl?: string;
  readonly start?: (lab: RunningLab) => void | Promise<void>;
}

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
      String(labWorkloadRate(members.length)),
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
  const names = ports.map((_, i) => `n${i + 1}`);
  const members = names.slice(0, labShardMembers(names.length)).map((n) => `${n}@${LAB_HOST}`);
  const specs: LabNodeSpec[] = ports.map((port, i) => {
    const name = names[i]!;
    const extraArgs = i < members.length ? workload?.nodeArgs?.(name, members) : undefined;
    return {
      name,
      host: LAB_HOST,
      port,
      seeds: labSeedIndexes(i, names.length).map((j) => names[j]!),
      ...(extraArgs !== undefined && { extraArgs }),
      ...(workload?.storeUrl !== undefined && { storeUrl: workload.storeUrl }),
    };
  });
  const count = specs.length;
  const verbose = count <= LAB_VERBOSE_MAX_NODES;
  const ticktimeMs = labTicktimeMs(count);
  const mesh = new MeshProgress(specs.map((s) => `${s.name}@${s.host}`));
  const t0 = performance.now();
  const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
  let lastProgress = -Infinity;
  const progress = (line: string, force = false) => {
    if (!force && performance.now() - lastProgress < PROGRESS_EVERY_MS) return;
    lastProgress = performance.now();
    out(line);
  };
  if (!verbose) {
    ensureNodeBundle(out);
    out(
      `Lab: starting ${count} nodes, ${LAB_START_CONCURRENCY} at a time, ticktime ${ticktimeMs} ms ` +
        `(grows with the lab: ticks grow with the square of the node count), ` +
        `shards demo on ${members.length} of them` +
        (labNodeNice(count) === 0
          ? ''
          : `, nodes at nice ${labNodeNice(count)} (the server first)`),
    );
  }
  const nodes = new LabNodes({
    nodes: specs,
    cookie: env.clusterCookie ?? generateToken(),
    observatoryUrl: server.url,
    agentToken: env.agentToken,
    ticktimeMs,
    concurrency: LAB_START_CONCURRENCY,
    nice: labNodeNice(count),
    onStarted: (started, total) =>
      progress(`Lab: ${started}/${total} nodes started (${elapsed()})`, started === total),
    onLine: (name, line) => mesh.line(name, line),
    onExit: (name) => mesh.exited(name),
    log: (line) => {
      // Problems always; membership lines only in a small lab (a 100-node lab's start would
      // print 9,900 nodeups and, as links race, hundreds of nodedowns: it prints progress).
      if (verbose ? / (warn|error) /.test(line) || line.includes('"event"') : isProblem(line)) {
        out(line);
      }
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
        observatory.setBeamProxy(undefined);
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
  const lastUp = performance.now();
  if (verbose) {
    for (const [name, pid] of Object.entries(nodes.pids())) {
      const spec = specs.find((s) => `${s.name}@${s.host}` === name);
      out(`Lab node ${name} port ${spec?.port} pid ${pid}`);
    }
  } else {
    const first = specs[0]!;
    const last = specs[count - 1]!;
    out(
      `Lab nodes ${first.name}…${last.name}: ports ${first.port}…${last.port} (GET /api/cluster)`,
    );
    await waitForMesh(mesh, lastUp, progress, elapsed);
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
    // partition, latency and heal of BEAM nodes act on their links in the distribution proxy
    observatory.setBeamProxy(beam.lab.proxy);
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

/** A node's warning or error that is not a membership change. */
function isProblem(line: string): boolean {
  return / (warn|error) /.test(line) && !/ warn node(up|down) /.test(line);
}

/**
 * Prints the mesh's progress until every node sees every other (or `MESH_WAIT_MS` passed: the
 * lab is usable meanwhile, and the dashboard shows which links are missing).
 */
async function waitForMesh(
  mesh: MeshProgress,
  lastUp: number,
  progress: (line: string, force?: boolean) => void,
  elapsed: () => string,
): Promise<void> {
  const deadline = lastUp + MESH_WAIT_MS;
  for (;;) {
    const c = mesh.counts();
    const links = (c.total * (c.total - 1)) / 2;
    if (c.meshed === c.total) {
      const after = ((performance.now() - lastUp) / 1000).toFixed(1);
      progress(
        `Lab: full mesh, ${c.total} nodes and ${links} links, ${after} s after the last node started (${elapsed()} in all)`,
        true,
      );
      return;
    }
    if (performance.now() > deadline) {
      progress(
        `Lab: mesh not complete after ${MESH_WAIT_MS / 1000} s: ${c.meshed}/${c.total} nodes see every other, ${c.links}/${links} links up (missing: ${mesh.missing(5).join(', ')}…); going on`,
        true,
      );
      return;
    }
    progress(
      `Lab: connecting: ${c.meshed}/${c.total} nodes see every other, ${c.links}/${links} links up (${elapsed()})`,
    );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
