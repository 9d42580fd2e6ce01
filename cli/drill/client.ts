/**
 * A drill client: a process of its own, outside the system under test, that the nemesis never
 * touches. It joins one node as a hidden node and runs one ledger operation at a time (`add` or
 * `read` on a few keys), recording each as `invoke` before sending and `ok`, `fail` (the node
 * refused: nothing happened) or `info` (no answer: it may have happened) when it ends, with a
 * monotonic timestamp. Every line is written to the history file with a write system call before
 * the next step, so nothing the drill does to the nodes can lose it. After an `info` the client
 * continues as a new logical process (Jepsen's rule: a process with an unknown outcome is gone).
 * It stops when its stdin ends, after doing final reads of every key if asked to.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { ClusterNode, Payload } from '../../cluster/api.ts';
import { seededRandom } from '../../cluster/shards/index.ts';
import { LAB_LEDGER_ADD, LAB_LEDGER_READ } from '../node/shards-lab.ts';

const FINAL_READ_TRIES = 25;

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
]);

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
  readonly keys: number;
  /** operations per second at most (one at a time) */
  readonly rate: number;
  readonly seed: number;
  readonly historyPath: string;
  /** hrtime (ns) of the drill's start: every client's times share it */
  readonly t0: bigint;
  readonly callTimeoutMs: number;
  /** read every key once when stopping */
  readonly finalReads: boolean;
  /** resolves when the client should stop */
  readonly stop: Promise<void>;
}

type Envelope = { ok: true; value: number } | { ok: false; code: string; message?: string };

export async function runClient(o: ClientOptions): Promise<{ ops: number }> {
  const fd = openSync(o.historyPath, 'a');
  const random = seededRandom(o.seed);
  let process_ = o.process;
  let stopping = false;
  void o.stop.then(() => (stopping = true));
  let ops = 0;
  let seq = 0;
  const line = (type: string, f: string, key: string, value: unknown, error?: string): void => {
    const time = Number(process.hrtime.bigint() - o.t0);
    writeSync(
      fd,
      `${JSON.stringify({ process: process_, type, f, key, value, time, node: o.target, ...(error === undefined ? {} : { error }) })}\n`,
    );
  };
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  const one = async (f: 'add' | 'read', key: string, amount: number): Promise<void> => {
    ops++;
    line('invoke', f, key, f === 'add' ? amount : null);
    const args: Payload =
      f === 'add' ? { key, amount, requestId: `c${o.process}-${o.seed}-${seq++}` } : { key };
    let answer: Envelope;
    try {
      answer = (await o.node.call(o.target, f === 'add' ? LAB_LEDGER_ADD : LAB_LEDGER_READ, args, {
        timeoutMs: o.callTimeoutMs,
      })) as unknown as Envelope;
    } catch (err) {
      // no answer (timeout, link down): it may or may not have happened
      line('info', f, key, f === 'add' ? amount : null, (err as Error).message);
      process_ += o.stride;
      return;
    }
    if (answer.ok) line('ok', f, key, f === 'add' ? amount : answer.value);
    else if (REFUSED.has(answer.code))
      line('fail', f, key, f === 'add' ? amount : null, answer.code);
    else {
      line('info', f, key, f === 'add' ? amount : null, answer.code);
      process_ += o.stride;
    }
  };

  const connected = async (): Promise<boolean> => {
    if (o.node.nodes({ hidden: true }).includes(o.target)) return true;
    return o.node.connect(o.address, { signal: AbortSignal.timeout(1_000) }).catch(() => false);
  };

  try {
    const gap = 1_000 / o.rate;
    while (!stopping) {
      const started = performance.now();
      if (!(await connected())) {
        // nothing was sent: nothing to record
        await sleep(200);
        continue;
      }
      const key = `k${Math.floor(random() * o.keys)}`;
      if (random() < 0.6) await one('add', key, 1 + Math.floor(random() * 5));
      else await one('read', key, 0);
      const rest = gap - (performance.now() - started);
      if (rest > 0) await sleep(rest);
    }
    if (o.finalReads) {
      for (let k = 0; k < o.keys; k++) {
        // bounded: a node that is gone for good gets no final read from this client
        let tries = 0;
        while (!(await connected()) && tries++ < FINAL_READ_TRIES) await sleep(200);
        if (tries <= FINAL_READ_TRIES) await one('read', `k${k}`, 0);
      }
    }
  } finally {
    closeSync(fd);
  }
  return { ops };
}
