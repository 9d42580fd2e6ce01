/**
 * A drill client: a process of its own, outside the system under test, that the nemesis never
 * touches. It joins one node as a hidden node and runs one operation at a time — a register
 * `read` / `write` / `cas` (keys covering every shard) or a ledger `add` / `read` (a few counters),
 * each workload in its own history file — recording each as `invoke` before sending and `ok`, `fail` (the node
 * refused: nothing happened) or `info` (no answer: it may have happened) when it ends, with a
 * monotonic timestamp. Every line is written to the history file with a write system call before
 * the next step, so nothing the drill does to the nodes can lose it. After an `info` the client
 * continues as a new logical process (Jepsen's rule: a process with an unknown outcome is gone).
 * It stops when its stdin ends, after doing final reads of every key if asked to.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { ClusterNode, Payload } from '../../cluster/api.ts';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS } from '../../cluster/constants.ts';
import { seededRandom } from '../../cluster/random.ts';
import { shardOf } from '../../cluster/shards/hash.ts';
import {
  LAB_LEDGER_ADD,
  LAB_LEDGER_READ,
  LAB_REGISTER_CAS,
  LAB_REGISTER_READ,
  LAB_REGISTER_WRITE,
} from '../node/shards-lab.ts';

const FINAL_READ_TRIES = 25;
/** only a safety net: the runtime bounds a dial by its handshake timeout (see `connected`) */
const CONNECT_BOUND_MS = 2 * DEFAULT_HANDSHAKE_TIMEOUT_MS;
/**
 * Register operations go to a few hot keys most of the time (contention is what exposes a stale
 * read or a lost write, as Jepsen's small key groups do) and to every shard's key otherwise.
 */
const HOT_REGISTER_KEYS = 2;
const HOT_SHARE = 0.7;

/** Refusals: the operation certainly did not happen (docs/shards.md, "Errors"). */
const REFUSED: ReadonlySet<string> = new Set([
  'no_quorum',
  'fenced',
  'wrong_owner',
  'store_unavailable',
  'handoff_timeout',
  'overloaded',
  'bad_key',
  'bad_argument',
  'unknown_op',
  // a cas whose compare failed changed nothing
  'cas_mismatch',
]);

export type Workload = 'register' | 'counter';

/**
 * Register keys that cover every shard: for each shard, the first `r<n>` that hashes to it. The
 * same list on every client (and in the drill's final reads), so every shard's owner is exercised.
 */
export function registerKeys(shardCount: number): string[] {
  const keys: string[] = new Array<string>(shardCount);
  let missing = shardCount;
  for (let n = 0; missing > 0; n++) {
    const key = `r${n}`;
    const s = shardOf(key, shardCount);
    if (keys[s] === undefined) {
      keys[s] = key;
      missing--;
    }
  }
  return keys;
}

export interface ClientOptions {
  /** a node joined as hidden, already connected to `target` */
  readonly node: ClusterNode;
  /** the node's full name */
  readonly target: string;
  /** `name@host:port`, to dial again after the link drops */
  readonly address: string;
  /** this client's first logical process id; the next ones add `stride` */
  readonly process: number;
  readonly stride: number;
  /** counter keys `k0…` */
  readonly keys: number;
  /** register keys: one per shard (registerKeys), the first HOT_REGISTER_KEYS of them hot */
  readonly shardCount: number;
  /** operations per second at most (one at a time, over every workload) */
  readonly rate: number;
  readonly seed: number;
  /** one history file per workload run */
  readonly histories: Partial<Record<Workload, string>>;
  /** hrtime (ns) of the drill's start: every client's times share it */
  readonly t0: bigint;
  readonly callTimeoutMs: number;
  /** read every key once when stopping */
  readonly finalReads: boolean;
  /** resolves when the client should stop */
  readonly stop: Promise<void>;
  /** called once, when the client is connected and about to send its first operation */
  readonly onReady?: () => void;
  /** a dial to `target` that did not make the link, with the runtime's reason (diagnostics) */
  readonly onConnectFailure?: (reason: string) => void;
}

type Envelope = { ok: true; value: number | null } | { ok: false; code: string; message?: string };

interface Op {
  readonly f: 'add' | 'read' | 'write' | 'cas';
  readonly key: string;
  /** the history's value on the invoke line */
  readonly value: unknown;
  readonly handler: string;
  readonly args: Payload;
}

/** One workload's history file and logical process. */
class Lane {
  readonly fd: number;
  process_: number;
  constructor(
    path: string,
    first: number,
    private readonly stride: number,
  ) {
    this.fd = openSync(path, 'a');
    this.process_ = first;
  }
  /** Jepsen's rule: a process whose last operation is unknown is gone; continue as a new one */
  crashed(): void {
    this.process_ += this.stride;
  }
}

export async function runClient(o: ClientOptions): Promise<{ ops: number }> {
  const random = seededRandom(o.seed);
  const workloads = (['register', 'counter'] as const).filter((w) => o.histories[w]);
  const lanes = new Map<Workload, Lane>(
    workloads.map((w) => [w, new Lane(o.histories[w]!, o.process, o.stride)]),
  );
  const regKeys = registerKeys(o.shardCount);
  // the last value this client saw per register: what its cas expects
  const seen = new Map<string, number | null>();
  let stopping = false;
  void o.stop.then(() => (stopping = true));
  let ops = 0;
  let seq = 0;
  // unique written values make a stale read unambiguous (and the search cheap)
  const unique = (): number => (o.process + 1) * 1_000_000 + seq++;
  const line = (lane: Lane, type: string, op: Op, value: unknown, error?: string): void => {
    const time = Number(process.hrtime.bigint() - o.t0);
    writeSync(
      lane.fd,
      `${JSON.stringify({ process: lane.process_, type, f: op.f, key: op.key, value, time, node: o.target, ...(error === undefined ? {} : { error }) })}\n`,
    );
  };
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  const counterOp = (key: string, read: boolean): Op => {
    if (read) return { f: 'read', key, value: null, handler: LAB_LEDGER_READ, args: { key } };
    const amount = 1 + Math.floor(random() * 5);
    const requestId = `c${o.process}-${o.seed}-${seq++}`;
    return {
      f: 'add',
      key,
      value: amount,
      handler: LAB_LEDGER_ADD,
      args: { key, amount, requestId },
    };
  };
  const registerOp = (key: string, roll: number): Op => {
    if (roll < 0.5)
      return { f: 'read', key, value: null, handler: LAB_REGISTER_READ, args: { key } };
    const value = unique();
    if (roll < 0.8)
      return { f: 'write', key, value, handler: LAB_REGISTER_WRITE, args: { key, value } };
    const expected = seen.get(key) ?? null;
    return {
      f: 'cas',
      key,
      value: [expected, value],
      handler: LAB_REGISTER_CAS,
      args: { key, expected, value },
    };
  };

  const one = async (w: Workload, op: Op): Promise<void> => {
    const lane = lanes.get(w)!;
    ops++;
    line(lane, 'invoke', op, op.value);
    let answer: Envelope;
    try {
      answer = (await o.node.call(o.target, op.handler, op.args, {
        timeoutMs: o.callTimeoutMs,
      })) as unknown as Envelope;
    } catch (err) {
      // no answer (timeout, link down): it may or may not have happened
      line(lane, 'info', op, op.value, (err as Error).message);
      lane.crashed();
      return;
    }
    if (answer.ok) {
      if (w === 'register')
        seen.set(op.key, op.f === 'read' ? answer.value : (op.args as { value: number }).value);
      line(lane, 'ok', op, op.f === 'read' ? answer.value : op.value);
    } else if (REFUSED.has(answer.code)) line(lane, 'fail', op, op.value, answer.code);
    else {
      line(lane, 'info', op, op.value, answer.code);
      lane.crashed();
    }
  };

  const connected = async (): Promise<boolean> => {
    if (o.node.nodes({ hidden: true }).includes(o.target)) return true;
    // Each dial is left to finish: the runtime ends a handshake that takes longer than its
    // handshake timeout on both ends. Aborting it sooner (it was the 3 s call timeout) throws
    // away a handshake that a loaded node was about to complete, and when every handshake takes
    // that long, every retry (the CI flake: no client ready in 60 s under the full suite).
    return o.node
      .connect(o.address, {
        signal: AbortSignal.timeout(CONNECT_BOUND_MS),
        ...(o.onConnectFailure === undefined ? {} : { onFailure: o.onConnectFailure }),
      })
      .catch((err: unknown) => {
        o.onConnectFailure?.(err instanceof Error ? err.message : String(err));
        return false;
      });
  };

  const pick = (): [Workload, Op] => {
    // with both, two thirds registers: the register history is the one a skeptic reads first
    const w: Workload =
      workloads.length === 1 ? workloads[0]! : random() < 2 / 3 ? 'register' : 'counter';
    if (w === 'counter')
      return [w, counterOp(`k${Math.floor(random() * o.keys)}`, random() >= 0.6)];
    const hot = Math.min(HOT_REGISTER_KEYS, regKeys.length);
    const key =
      random() < HOT_SHARE
        ? regKeys[Math.floor(random() * hot)]!
        : regKeys[Math.floor(random() * regKeys.length)]!;
    return [w, registerOp(key, random())];
  };

  try {
    const gap = 1_000 / o.rate;
    let ready = false;
    while (!stopping) {
      const started = performance.now();
      if (!(await connected())) {
        // nothing was sent: nothing to record
        await sleep(200);
        continue;
      }
      if (!ready) {
        ready = true;
        o.onReady?.();
      }
      const [w, op] = pick();
      await one(w, op);
      const rest = gap - (performance.now() - started);
      if (rest > 0) await sleep(rest);
    }
    if (o.finalReads) {
      const finals: [Workload, Op][] = [
        ...(lanes.has('counter')
          ? Array.from({ length: o.keys }, (_, k): [Workload, Op] => [
              'counter',
              counterOp(`k${k}`, true),
            ])
          : []),
        ...(lanes.has('register')
          ? regKeys.map((key): [Workload, Op] => ['register', registerOp(key, 0)])
          : []),
      ];
      for (const [w, op] of finals) {
        // bounded: a node that is gone for good gets no final read from this client
        let tries = 0;
        while (!(await connected()) && tries++ < FINAL_READ_TRIES) await sleep(200);
        // its node is gone for good: the other keys would wait in vain too
        if (tries > FINAL_READ_TRIES) break;
        await one(w, op);
      }
    }
  } finally {
    for (const lane of lanes.values()) closeSync(lane.fd);
  }
  return { ops };
}
