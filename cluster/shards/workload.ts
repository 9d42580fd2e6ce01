import { createWriteStream, type WriteStream } from 'node:fs';
import type { Clock } from '../api.ts';
import { systemClock } from '../clock.ts';
import type { Outcome } from './checker.ts';
import { shardOf } from './hash.ts';
import { seededRandom } from '../random.ts';

/** What the workload needs from a ledger client (Ledger.incr fits). */
export type IncrFn = (
  key: string,
  amount: number,
  requestId: string,
) => Promise<{ value: number; epoch: number; node: string }>;

export interface WorkloadOptions {
  readonly incr: IncrFn;
  /** writes started per second */
  readonly ratePerSec: number;
  /** stop starting writes after this long (and/or after `count` writes) */
  readonly durationMs?: number;
  readonly count?: number;
  /** keys are `key-0` … `key-(keyCount-1)`; default 1000 */
  readonly keyCount?: number;
  /** default 'uniform' */
  readonly distribution?: 'uniform' | 'zipf';
  /** zipf exponent s; default 1 */
  readonly zipfExponent?: number;
  /** writes in flight at most; further ones are counted as not started; default 1000 */
  readonly maxInFlight?: number;
  /** retries with the same request id on wrong_owner/forward_failed/handoff/overload; default 2 */
  readonly retries?: number;
  readonly retryDelayMs?: number;
  /** default 'w'; request ids are `${prefix}-${n}` */
  readonly requestIdPrefix?: string;
  /** seed of the key and amount generator; default 1 */
  readonly seed?: number;
  /** to put the shard in every outcome */
  readonly shardCount?: number;
  /** JSON-lines file every outcome is appended to */
  readonly outcomeLog?: string;
  readonly onOutcome?: (o: Outcome) => void;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
}

export interface WorkloadResult {
  readonly outcomes: Outcome[];
  readonly attempted: number;
  readonly acked: number;
  /** writes not started because maxInFlight was reached */
  readonly skipped: number;
  readonly durationMs: number;
}

const RETRYABLE = new Set([
  'wrong_owner',
  'forward_failed',
  'handoff_timeout',
  'overloaded',
  'store_unavailable',
]);
const TICK_MS = 10;

export { seededRandom };

/** A key picker: uniform, or zipf (rank r drawn with weight 1/r^s) by inverse CDF. */
export function keyPicker(
  keyCount: number,
  distribution: 'uniform' | 'zipf',
  random: () => number,
  exponent = 1,
): () => string {
  if (distribution === 'uniform') return () => `key-${Math.floor(random() * keyCount)}`;
  const cdf: number[] = [];
  let total = 0;
  for (let r = 1; r <= keyCount; r++) cdf.push((total += 1 / Math.pow(r, exponent)));
  return () => {
    const x = random() * total;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return `key-${lo}`;
  };
}

/**
 * Drives writes at a steady rate and records every outcome (acknowledged or not, with its
 * error code) for the checker. Resolves once writing stopped and every started write finished.
 */
export async function runWorkload(options: WorkloadOptions): Promise<WorkloadResult> {
  const clock = options.clock ?? systemClock;
  const random = seededRandom(options.seed ?? 1);
  const pick = keyPicker(
    options.keyCount ?? 1000,
    options.distribution ?? 'uniform',
    random,
    options.zipfExponent,
  );
  const prefix = options.requestIdPrefix ?? 'w';
  const maxInFlight = options.maxInFlight ?? 1000;
  const retries = options.retries ?? 2;
  const retryDelayMs = options.retryDelayMs ?? 50;
  const limit = options.count ?? Number.POSITIVE_INFINITY;
  if (!(options.ratePerSec > 0)) throw new RangeError('ratePerSec must be positive');
  if (options.durationMs === undefined && options.count === undefined) {
    throw new RangeError('give durationMs or count');
  }
  const log: WriteStream | null = options.outcomeLog
    ? createWriteStream(options.outcomeLog, { flags: 'a' })
    : null;
  const outcomes: Outcome[] = [];
  const pending = new Set<Promise<void>>();
  // pacing and duration on the monotonic clock; outcome times (wall) go to the shared history
  const start = clock.monotonic();
  let started = 0;
  let skipped = 0;
  let acked = 0;

  const sleep = (ms: number): Promise<void> => new Promise((r) => clock.setTimeout(r, ms));

  const one = async (n: number): Promise<void> => {
    const key = pick();
    const amount = 1 + Math.floor(random() * 9);
    const requestId = `${prefix}-${n}`;
    const startedAt = clock.now();
    let outcome: Outcome;
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await options.incr(key, amount, requestId);
        acked++;
        outcome = {
          requestId,
          key,
          amount,
          ok: true,
          value: r.value,
          epoch: r.epoch,
          node: r.node,
          startedAt,
          finishedAt: clock.now(),
        };
        break;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        const c = typeof code === 'string' ? code : 'internal';
        if (attempt < retries && RETRYABLE.has(c) && !options.signal?.aborted) {
          await sleep(retryDelayMs);
          continue;
        }
        outcome = {
          requestId,
          key,
          amount,
          ok: false,
          code: c,
          startedAt,
          finishedAt: clock.now(),
        };
        break;
      }
    }
    if (options.shardCount !== undefined)
      outcome = { ...outcome, shard: shardOf(key, options.shardCount) };
    outcomes.push(outcome);
    log?.write(JSON.stringify(outcome) + '\n');
    options.onOutcome?.(outcome);
  };

  const launch = (): void => {
    const p = one(started++).finally(() => pending.delete(p));
    pending.add(p);
  };

  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsed = clock.monotonic() - start;
      const done =
        options.signal?.aborted === true ||
        started + skipped >= limit ||
        (options.durationMs !== undefined && elapsed >= options.durationMs);
      if (done) {
        resolve();
        return;
      }
      const due =
        Math.min(limit, Math.floor((elapsed / 1000) * options.ratePerSec)) - started - skipped;
      for (let i = 0; i < due; i++) {
        if (pending.size >= maxInFlight) skipped++;
        else launch();
      }
      clock.setTimeout(tick, TICK_MS);
    };
    tick();
  });
  while (pending.size > 0) await Promise.all([...pending]);
  if (log) await new Promise<void>((r) => log.end(r));
  return { outcomes, attempted: started, acked, skipped, durationMs: clock.monotonic() - start };
}
