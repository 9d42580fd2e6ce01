/**
 * A drill's lab: N `observatory node --shards --lab` processes sharing one fenced store, and a
 * controller that joins them as a hidden node (same cookie) to call their lab handlers: status,
 * workload start/stop, partition, heal. Hidden, it takes no part in membership or ownership.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterNode, Payload } from '../../cluster/api.ts';
import { startNode } from '../../cluster/index.ts';
import type { Outcome } from '../../cluster/shards/index.ts';
import { leaseTimings } from '../node/shards.ts';
import { freePort } from '../../cluster/ports.ts';
import { killAllGroups, spawnNode, type NodeProcess } from './processes.ts';

/** Lab defaults: short enough that a drill takes seconds, long enough for a loaded 2-core box. */
export const LAB_TICKTIME_MS = 1_000;
export const LAB_LEASE_MS = 1_200;
export const LAB_SHARD_COUNT = 64;
export const LAB_RATE_PER_NODE = 100;
export const LAB_KEYS = 256;
const START_TIMEOUT_MS = 30_000;
const RPC_TIMEOUT_MS = 2_000;
const POLL_MS = 100;
/**
 * How long the controller keeps dialling a node that listens: a node starting up under a loaded
 * machine (load 60 seen) may not finish a handshake within the runtime's 5 s for a while; it
 * was 10 s, and a safe `random` run failed on it at start (`cannot reach n2@127.0.0.1`).
 */
const LINK_TIMEOUT_MS = 30_000;

export interface LabOptions {
  readonly nodes: number;
  readonly dir: string;
  readonly storeUrl: string;
  readonly shardCount: number;
  readonly leaseMs: number;
  readonly ticktimeMs: number;
  /** extra `observatory node` flags per node index (e.g. --trust-fence-only on the pause victim) */
  readonly extraFlags?: (index: number) => readonly string[];
}

export interface NodeStatus {
  readonly node: string;
  readonly visible: string[];
  readonly ownership: (string | null)[];
  readonly held: { shard: number; epoch: number }[];
  /** ownership changes this node saw, each with the count of members after it */
  readonly moves: { at: number; moved: number; optimal: number; members?: number }[];
  readonly workload: { running: boolean; attempted: number; acked: number; failed: number };
  /** the node's own wall clock (ms since the epoch) and how far the lab stepped it */
  readonly at?: number;
  readonly clockOffsetMs?: number;
}

export interface LabNode {
  readonly index: number;
  /** `n1@127.0.0.1` */
  readonly name: string;
  readonly port: number;
  /** `n1@127.0.0.1:port` */
  readonly target: string;
  proc: NodeProcess | null;
  readonly outcomeLog: string;
}

export class DrillError extends Error {
  readonly code = 'drill_failed';
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** how long a node that was asked to freeze itself may take to stop */
const FREEZE_WAIT_MS = 1_000;

/** The state letter of /proc/<pid>/stat (`T`: stopped), or null when unreadable. */
function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) || null;
  } catch {
    return null;
  }
}

export class Lab {
  readonly nodes: LabNode[] = [];
  readonly cookie = randomBytes(12).toString('hex');
  private controller: ClusterNode | null = null;

  constructor(readonly options: LabOptions) {}

  get members(): string[] {
    return this.nodes.map((n) => n.name);
  }

  /** Picks ports, starts every node in parallel and links the controller to each. */
  async start(): Promise<void> {
    for (let i = 0; i < this.options.nodes; i++) {
      const short = `n${i + 1}`;
      const port = await freePort();
      this.nodes.push({
        index: i,
        name: `${short}@127.0.0.1`,
        port,
        target: `${short}@127.0.0.1:${port}`,
        proc: null,
        outcomeLog: join(this.options.dir, `${short}.outcomes.jsonl`),
      });
    }
    this.controller = await startNode({
      name: `drill-${process.pid}`,
      cookie: this.cookie,
      hidden: true,
      ticktimeMs: this.options.ticktimeMs,
    });
    await Promise.all(this.nodes.map((n) => this.spawn(n)));
  }

  private args(n: LabNode): string[] {
    const o = this.options;
    const seeds = this.nodes.filter((m) => m !== n).map((m) => `127.0.0.1:${m.port}`);
    return [
      '--name',
      n.name.split('@')[0]!,
      '--host',
      '127.0.0.1',
      '--port',
      String(n.port),
      '--ticktime',
      String(o.ticktimeMs),
      '--seeds',
      seeds.join(','),
      '--shards',
      '--lab',
      '--members',
      this.members.join(','),
      '--shard-count',
      String(o.shardCount),
      '--lease-ms',
      String(o.leaseMs),
      '--outcome-log',
      n.outcomeLog,
      ...(o.extraFlags?.(n.index) ?? []),
    ];
  }

  /** Starts (or restarts, same name and port) one node and links the controller to it. */
  async spawn(n: LabNode): Promise<void> {
    const secrets = { cookie: this.cookie, storeUrl: this.options.storeUrl };
    n.proc = spawnNode(n.name, this.args(n), secrets, START_TIMEOUT_MS);
    await n.proc.listening;
    await this.link(n);
  }

  /** (Re)connects the controller to a node, e.g. after it was paused past a ticktime. */
  async link(n: LabNode): Promise<void> {
    const c = this.ctl();
    const deadline = performance.now() + LINK_TIMEOUT_MS;
    let last = 'no dial finished';
    let dials = 0;
    while (!c.nodes({ hidden: true }).includes(n.name)) {
      dials++;
      await c
        .connect(n.target, { onFailure: (reason) => (last = reason) })
        .catch((err: unknown) => {
          last = err instanceof Error ? err.message : String(err);
          return false;
        });
      if (c.nodes({ hidden: true }).includes(n.name)) break;
      if (performance.now() > deadline)
        throw new DrillError(
          `cannot reach ${n.name} within ${LINK_TIMEOUT_MS} ms (${dials} dials, last: ${last})`,
        );
      await sleep(POLL_MS);
    }
  }

  private ctl(): ClusterNode {
    if (!this.controller) throw new DrillError('lab not started');
    return this.controller;
  }

  /** Live nodes (started, not killed). */
  live(): LabNode[] {
    return this.nodes.filter((n) => n.proc !== null);
  }

  /** Calls a lab handler; a link that timed out (a loaded or paused node) is dialled once more. */
  async call(
    n: LabNode,
    handler: string,
    args: Payload = null,
    timeoutMs = RPC_TIMEOUT_MS,
  ): Promise<Payload> {
    try {
      return await this.ctl().call(n.name, handler, args, { timeoutMs });
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'noconnection' || n.proc === null) throw err;
      await this.link(n);
      return this.ctl().call(n.name, handler, args, { timeoutMs });
    }
  }

  async status(n: LabNode): Promise<NodeStatus | null> {
    try {
      return (await this.call(n, 'lab.status', null, 1_000)) as unknown as NodeStatus;
    } catch {
      return null;
    }
  }

  /** SIGKILLs a node's group; its name and port stay for a restart. */
  kill(n: LabNode): void {
    n.proc?.signal('SIGKILL');
    n.proc = null;
  }

  /**
   * True when the given nodes agree on ownership, every shard's owner is one of them and holds
   * its lease, and no other of them holds it.
   */
  async settled(group: readonly LabNode[]): Promise<boolean> {
    const statuses = await Promise.all(group.map((n) => this.status(n)));
    if (statuses.some((s) => s === null)) return false;
    const names = new Set(group.map((n) => n.name));
    const first = JSON.stringify(statuses[0]!.ownership);
    if (statuses.some((s) => JSON.stringify(s!.ownership) !== first)) return false;
    const holders = new Map<number, string[]>();
    for (const s of statuses)
      for (const h of s!.held) holders.set(h.shard, [...(holders.get(h.shard) ?? []), s!.node]);
    return statuses[0]!.ownership.every((owner, shard) => {
      const h = holders.get(shard) ?? [];
      return owner !== null && names.has(owner) && h.length === 1 && h[0] === owner;
    });
  }

  async until(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
    const start = performance.now();
    while (!(await cond())) {
      if (performance.now() - start > timeoutMs)
        throw new DrillError(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(POLL_MS);
    }
    return Math.round(performance.now() - start);
  }

  async startWorkloads(rate: number, keys: number, group = this.live()): Promise<void> {
    await Promise.all(group.map((n) => this.call(n, 'lab.workload.start', { rate, keys })));
  }

  async stopWorkloads(group = this.live()): Promise<void> {
    await Promise.all(group.map((n) => this.call(n, 'lab.workload.stop', null, 15_000)));
  }

  /** Sum of the live nodes' workload counts (for progress lines). */
  async counts(): Promise<{ attempted: number; acked: number; failed: number }> {
    const all = await Promise.all(this.live().map((n) => this.status(n)));
    const sum = { attempted: 0, acked: 0, failed: 0 };
    for (const s of all) {
      if (!s) continue;
      sum.attempted += s.workload.attempted;
      sum.acked += s.workload.acked;
      sum.failed += s.workload.failed;
    }
    return sum;
  }

  /** Blackholes every link between the two sides (each side is told about the other). */
  async partition(a: readonly LabNode[], b: readonly LabNode[]): Promise<void> {
    await Promise.all([
      ...a.map((n) => this.call(n, 'lab.partition', { peers: b.map((m) => m.name) })),
      ...b.map((n) => this.call(n, 'lab.partition', { peers: a.map((m) => m.name) })),
    ]);
  }

  /** Blackholes, on each node given, the peers listed for it (one-sided; pair them for both ways). */
  async cut(pairs: readonly [LabNode, readonly LabNode[]][]): Promise<void> {
    await Promise.all(
      pairs.map(([n, peers]) => this.call(n, 'lab.partition', { peers: peers.map((m) => m.name) })),
    );
  }

  /** Steps a node's wall clock by `ms` (its monotonic clock is untouched); returns the offset. */
  async stepClock(n: LabNode, ms: number): Promise<number> {
    const r = (await this.call(n, 'lab.clock.step', { ms })) as unknown as { offsetMs: number };
    return r.offsetMs;
  }

  /**
   * Freezes a node between two store transactions (`lab.freeze`: it stops itself with SIGSTOP from
   * a timer) and waits until the kernel reports it stopped; falls back to a SIGSTOP from outside
   * when the node does not answer. Returns when the node is stopped.
   */
  async freeze(n: LabNode): Promise<void> {
    const proc = n.proc;
    if (proc === null) throw new Error(`${n.name} is not running`);
    const asked = await this.call(n, 'lab.freeze').then(
      () => true,
      () => false,
    );
    if (asked) {
      const deadline = performance.now() + FREEZE_WAIT_MS;
      while (performance.now() < deadline) {
        if (processState(proc.pid) === 'T') return;
        await sleep(5);
      }
    }
    proc.signal('SIGSTOP');
  }

  /**
   * Clears every fault everywhere first, then has each node dial the others (a node dialling a
   * peer that still blackholes it would wait out a handshake timeout). The seed loops would
   * reconnect too, only later.
   */
  async heal(): Promise<void> {
    const live = this.live();
    await Promise.all(live.map((n) => this.call(n, 'lab.heal', { connect: [] })));
    await Promise.all(
      live.map((n) =>
        this.call(
          n,
          'lab.heal',
          { connect: live.filter((m) => m !== n).map((m) => m.target) },
          5_000,
        ).catch(() => null),
      ),
    );
  }

  /** Every outcome the nodes logged (a killed node's torn last line is skipped). */
  outcomes(): Outcome[] {
    const out: Outcome[] = [];
    for (const n of this.nodes) {
      if (!existsSync(n.outcomeLog)) continue;
      for (const line of readFileSync(n.outcomeLog, 'utf8').split('\n')) {
        if (line === '') continue;
        try {
          out.push(JSON.parse(line) as Outcome);
        } catch {
          // torn by SIGKILL
        }
      }
    }
    return out;
  }

  async stop(): Promise<void> {
    const exits = this.nodes.flatMap((n) => (n.proc ? [n.proc.exited] : []));
    killAllGroups();
    await Promise.all(exits);
    await this.controller?.close();
    this.controller = null;
  }
}

export { leaseTimings };
