/**
 * The node's side of the drills. A local ledger workload (started by `--workload-rate` or by the
 * `lab.workload.start` RPC) whose every outcome goes to the `--outcome-log` file, and — only when
 * the node runs with `--lab` — RPC handlers a drill controller calls over the cluster link:
 *
 * - `lab.status`: shard ownership, held leases, ownership moves, workload counts;
 * - `lab.workload.start` `{rate, keys?, distribution?, durationMs?, seed?}` / `lab.workload.stop`;
 * - `lab.partition` `{peers}`: blackhole those peers (frames dropped silently, both ways once the
 *   peers are told too), `lab.heal` `{connect?}`: clear every fault and dial the given targets;
 * - `lab.freeze`: stops this process with SIGSTOP a moment after answering, from a timer, so the
 *   stop lands between two store transactions (better-sqlite3 runs each one synchronously). A
 *   process frozen inside a SQLite write transaction keeps the file's write lock and stalls every
 *   writer of the lab until it resumes: a liveness fault of a shared-file store, not the fencing
 *   fault the pause drill rehearses. The drill resumes the process with SIGCONT;
 * - `lab.ledger.add` `{key, amount, requestId}` / `lab.ledger.read` `{key}`: one ledger operation
 *   through this node's router, for the drill clients (cli/drill/client.ts), which run in their
 *   own processes; the answer is an envelope `{ok: true, value}` or `{ok: false, code}` so that a
 *   client can tell a refusal (nothing happened) from a lost answer;
 * - `lab.register.read` `{key}` / `lab.register.write` `{key, value}` / `lab.register.cas`
 *   `{key, expected, value}`: one register operation (cluster/shards/registers.ts), same envelope;
 *   a cas whose compare failed answers `{ok: false, code: 'cas_mismatch'}` (nothing changed);
 * - `lab.clock.step` `{ms}`: steps this node's wall clock (the Clock port's `now()`, as NTP or an
 *   operator would) and never its monotonic clock: leases, ticks and timers must not notice;
 * - `lab.probe` `{key, samples}`: times `samples` sequential reads of `key` through the router and
 *   as many echo RPCs of the same size to the key's owner: one round trip, for the benchmark's
 *   "a forward costs at most one extra round trip" check.
 *
 * These are lab controls: they exist only on nodes started with `--lab`, and only a node that
 * knows the cookie can call them. The observatory's agent injects the same faults through
 * `node.faults` on its own control channel; nothing here is exposed over HTTP.
 */
import { randomUUID } from 'node:crypto';
import type { ClusterNode, Payload } from '../../cluster/api.ts';
import type { SteppableClock } from '../../cluster/clock.ts';
import {
  BadArgumentError,
  runWorkload,
  type OwnershipChange,
  type Shards,
} from '../../cluster/shards/index.ts';
import { SHELL_HANDLERS } from './handlers.ts';

export const LAB_STATUS = 'lab.status';
export const LAB_WORKLOAD_START = 'lab.workload.start';
export const LAB_WORKLOAD_STOP = 'lab.workload.stop';
export const LAB_PARTITION = 'lab.partition';
export const LAB_HEAL = 'lab.heal';
export const LAB_PROBE = 'lab.probe';
export const LAB_FREEZE = 'lab.freeze';
/** `{ms}`: steps this node's wall clock (its Clock port's `now`), never its monotonic clock */
export const LAB_CLOCK_STEP = 'lab.clock.step';
const MAX_CLOCK_STEP_MS = 366 * 86_400_000;
/** the drill clients' operations: `{key, amount, requestId}` and `{key}` */
export const LAB_LEDGER_ADD = 'lab.ledger.add';
export const LAB_LEDGER_READ = 'lab.ledger.read';
/** the drill clients' register operations: `{key}`, `{key, value}`, `{key, expected, value}` */
export const LAB_REGISTER_READ = 'lab.register.read';
export const LAB_REGISTER_WRITE = 'lab.register.write';
export const LAB_REGISTER_CAS = 'lab.register.cas';

/** ownership moves kept for lab.status */
const MAX_MOVES = 1_000;
const MAX_RATE = 1_000_000;
const ORPHAN_CHECK_MS = 500;
const HEAL_CONNECT_MS = 2_000;
/** long enough for the answer to leave the socket before the process stops */
const FREEZE_DELAY_MS = 20;

export interface WorkloadSpec {
  readonly rate: number;
  readonly keys: number;
  readonly distribution: 'uniform' | 'zipf';
  readonly durationMs?: number;
  readonly seed?: number;
  readonly maxInFlight?: number;
}

export interface WorkloadCounts {
  readonly running: boolean;
  readonly attempted: number;
  readonly acked: number;
  readonly failed: number;
  readonly byCode: Record<string, number>;
}

export interface Lab {
  startWorkload(spec: WorkloadSpec): void;
  stopWorkload(): Promise<WorkloadCounts>;
  counts(): WorkloadCounts;
  stop(): Promise<void>;
}

function object(args: Payload): Record<string, unknown> {
  if (
    typeof args !== 'object' ||
    args === null ||
    Array.isArray(args) ||
    args instanceof Uint8Array
  )
    return {};
  return args as Record<string, unknown>;
}

function positiveInt(value: unknown, name: string, max: number, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max)
    throw new BadArgumentError(`${name} must be an integer from 1 to ${max}`);
  return value;
}

function parseSpec(args: Payload): WorkloadSpec {
  const a = object(args);
  const distribution = a.distribution ?? 'uniform';
  if (distribution !== 'uniform' && distribution !== 'zipf')
    throw new BadArgumentError("distribution must be 'uniform' or 'zipf'");
  return {
    rate: positiveInt(a.rate, 'rate', MAX_RATE),
    keys: positiveInt(a.keys, 'keys', 10_000_000, 1000),
    distribution,
    ...(a.durationMs === undefined
      ? {}
      : { durationMs: positiveInt(a.durationMs, 'durationMs', 86_400_000) }),
    ...(a.seed === undefined ? {} : { seed: positiveInt(a.seed, 'seed', 2 ** 31) }),
    ...(a.maxInFlight === undefined
      ? {}
      : { maxInFlight: positiveInt(a.maxInFlight, 'maxInFlight', 100_000) }),
  };
}

function peerList(args: Payload, field: string): string[] {
  const list = object(args)[field] ?? [];
  if (!Array.isArray(list) || list.some((p) => typeof p !== 'string') || list.length > 1_000)
    throw new BadArgumentError(`${field} must be a list of node names`);
  return list as string[];
}

/** Creates the node's workload runner; registers the lab handlers when `handlers` is true. */
export function attachLab(
  node: ClusterNode,
  shards: Shards,
  options: { handlers: boolean; outcomeLog?: string; clock?: SteppableClock },
): Lab {
  const boot = randomUUID().slice(0, 8);
  const short = node.name.split('@')[0] ?? node.name;
  let runs = 0;
  let abort: AbortController | null = null;
  let running: Promise<unknown> | null = null;
  let attempted = 0;
  let acked = 0;
  const byCode: Record<string, number> = {};
  const moves: OwnershipChange[] = [];
  let orphanWatch: NodeJS.Timeout | null = null;
  const off = shards.router.onOwnershipChange((c) => {
    if (moves.length < MAX_MOVES) moves.push(c);
  });

  const counts = (): WorkloadCounts => ({
    running: running !== null,
    attempted,
    acked,
    failed: attempted - acked,
    byCode: { ...byCode },
  });

  const lab: Lab = {
    startWorkload(spec) {
      if (running !== null) throw new BadArgumentError('a workload is already running');
      abort = new AbortController();
      const run = runWorkload({
        incr: (k, amount, id) => shards.ledger.incr(k, amount, id),
        ratePerSec: spec.rate,
        durationMs: spec.durationMs ?? 86_400_000,
        keyCount: spec.keys,
        distribution: spec.distribution,
        seed: spec.seed ?? runs + 1,
        shardCount: shards.router.shardCount,
        requestIdPrefix: `${short}-${boot}-${runs++}`,
        signal: abort.signal,
        ...(spec.maxInFlight === undefined ? {} : { maxInFlight: spec.maxInFlight }),
        ...(options.outcomeLog === undefined ? {} : { outcomeLog: options.outcomeLog }),
        onOutcome: (o) => {
          attempted++;
          if (o.ok) acked++;
          else byCode[o.code ?? 'internal'] = (byCode[o.code ?? 'internal'] ?? 0) + 1;
        },
      });
      running = run.finally(() => {
        running = null;
      });
    },
    async stopWorkload() {
      abort?.abort();
      await running;
      return counts();
    },
    counts,
    async stop() {
      if (orphanWatch) clearInterval(orphanWatch);
      off();
      await lab.stopWorkload();
    },
  };

  if (!options.handlers) return lab;

  // A lab node belongs to whoever started it (a drill, the lab launcher): when that process dies,
  // even by SIGKILL, the node is re-parented and ends itself, so no lab outlives its controller.
  const parent = process.ppid;
  orphanWatch = setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL');
  }, ORPHAN_CHECK_MS);
  orphanWatch.unref();

  node.handle(LAB_STATUS, () => {
    const status = shards.status();
    return {
      node: node.name,
      pid: process.pid,
      // the node's own wall clock: a stepped clock shows here
      at: options.clock?.now() ?? Date.now(),
      clockOffsetMs: options.clock?.offset() ?? 0,
      visible: node.nodes(),
      ownership: status.map((s) => s.owner),
      held: status.flatMap((s) =>
        s.lease.status === 'held' && s.lease.epoch !== null
          ? [{ shard: s.shard, epoch: s.lease.epoch }]
          : [],
      ),
      moves: moves.map((m) => ({
        at: m.at,
        moved: m.moved.length,
        optimal: m.optimal,
        members: m.members.length,
      })),
      workload: { ...counts() },
      router: shards.router.stats(),
      faults: node.faults.list().blackholed,
    };
  });
  node.handle(LAB_WORKLOAD_START, (args) => {
    lab.startWorkload(parseSpec(args));
    return { started: true };
  });
  node.handle(LAB_WORKLOAD_STOP, async () => ({ ...(await lab.stopWorkload()) }));
  node.handle(LAB_PARTITION, (args) => {
    const peers = peerList(args, 'peers');
    for (const p of peers) node.faults.blackhole(p);
    return { blackholed: node.faults.list().blackholed };
  });
  node.handle(LAB_CLOCK_STEP, (args) => {
    const { ms } = object(args);
    if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || Math.abs(ms) > MAX_CLOCK_STEP_MS)
      throw new BadArgumentError(`ms must be an integer within ±${MAX_CLOCK_STEP_MS}`);
    if (!options.clock) throw new BadArgumentError('this node runs without a steppable clock');
    options.clock.step(ms);
    return { offsetMs: options.clock.offset(), now: options.clock.now() };
  });
  node.handle(LAB_FREEZE, () => {
    setTimeout(() => process.kill(process.pid, 'SIGSTOP'), FREEZE_DELAY_MS);
    return { pid: process.pid };
  });
  node.handle(LAB_HEAL, async (args) => {
    const targets = peerList(args, 'connect');
    node.faults.clear();
    // bounded: a peer that has not cleared its own faults yet drops the handshake silently
    await Promise.all(
      targets.map((t) =>
        node.connect(t, { signal: AbortSignal.timeout(HEAL_CONNECT_MS) }).catch(() => false),
      ),
    );
    return { visible: node.nodes() };
  });
  const envelope = async (run: () => Promise<Payload>): Promise<Payload> => {
    try {
      return { ok: true, value: await run() };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return {
        ok: false,
        code: typeof code === 'string' ? code : 'internal',
        message: err instanceof Error ? err.message : String(err),
      };
    }
  };
  node.handle(LAB_LEDGER_ADD, (args) => {
    const a = object(args);
    const { key, amount, requestId } = a;
    if (typeof key !== 'string' || typeof requestId !== 'string' || typeof amount !== 'number')
      throw new BadArgumentError('key and requestId must be strings, amount a number');
    return envelope(async () => (await shards.ledger.incr(key, amount, requestId)).value);
  });
  node.handle(LAB_LEDGER_READ, (args) => {
    const { key } = object(args);
    if (typeof key !== 'string') throw new BadArgumentError('key must be a string');
    return envelope(async () => (await shards.ledger.get(key)).value);
  });
  const registerKey = (args: Payload): string => {
    const { key } = object(args);
    if (typeof key !== 'string') throw new BadArgumentError('key must be a string');
    return key;
  };
  const registerValue = (v: unknown, name: string): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v))
      throw new BadArgumentError(`${name} must be a safe integer`);
    return v;
  };
  node.handle(LAB_REGISTER_READ, (args) => {
    const key = registerKey(args);
    return envelope(() => shards.registers.read(key));
  });
  node.handle(LAB_REGISTER_WRITE, (args) => {
    const key = registerKey(args);
    const value = registerValue(object(args).value, 'value');
    return envelope(async () => (await shards.registers.write(key, value)).value);
  });
  // a cas whose compare failed changed nothing: the client records it as `fail`
  node.handle(LAB_REGISTER_CAS, (args) => {
    const key = registerKey(args);
    const a = object(args);
    const value = registerValue(a.value, 'value');
    const expected = a.expected === null ? null : registerValue(a.expected, 'expected');
    return envelope(async () => {
      const r = await shards.registers.cas(key, expected, value);
      if (!r.applied)
        throw Object.assign(new Error(`cas: register holds ${JSON.stringify(r.value)}`), {
          code: 'cas_mismatch',
        });
      return r.value;
    });
  });
  node.handle(LAB_PROBE, async (args) => {
    const a = object(args);
    if (typeof a.key !== 'string') throw new BadArgumentError('key must be a string');
    const key = a.key;
    const samples = positiveInt(a.samples, 'samples', 100_000, 1_000);
    const owner = shards.router.ownerOf(key);
    const route: number[] = [];
    const rtt: number[] = [];
    for (let i = 0; i < samples; i++) {
      let t = performance.now();
      await shards.ledger.get(key);
      route.push(performance.now() - t);
      if (owner !== null && owner !== node.name) {
        t = performance.now();
        await node.call(owner, SHELL_HANDLERS.echo, { key, op: 'ledger.get', args: null });
        rtt.push(performance.now() - t);
      }
    }
    const p = (xs: number[], q: number): number => {
      const sorted = [...xs].sort((x, y) => x - y);
      return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    };
    return {
      owner,
      local: owner === node.name,
      routeP50Ms: p(route, 0.5),
      routeP99Ms: p(route, 0.99),
      rttP50Ms: p(rtt, 0.5),
      rttP99Ms: p(rtt, 0.99),
    };
  });
  return lab;
}
