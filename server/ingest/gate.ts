/**
 * Ingest admission under overload. Agents keep one batch in flight and hold the rest (up to
 * their buffer's bound), so answering later is how the server says "slower": a batch waits here
 * while the event loop is busier than `maxLoopBusy`, and passes at the floor rate of
 * `minSnapshotsPerS` meanwhile so storage still progresses. Without this a 100-node lab kept the
 * loop saturated with snapshot storage and the server answered no HTTP request for minutes
 * (docs/performance.md, "The lab and the dashboard at 100 nodes"). Urgent events are not gated:
 * a node going down still reaches the page at once. Every admitted batch starts after a
 * `setImmediate`, so requests that arrived meanwhile are read first.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../clock.ts';

/** The loop may be this busy (0–1, over the last `INGEST_LOAD_WINDOW_MS`) before batches wait. */
export const INGEST_MAX_LOOP_BUSY = 0.7;
/**
 * While the loop is too busy, snapshots still pass at this rate: above the steady 100/s of a
 * 100-node lab, because the live model shows a node whose last snapshot is 5 intervals old as
 * unknown (a floor of 20/s made most of the lab flap to unknown). What it bounds is catch-up:
 * agents returning with full buffers (60 snapshots a batch) after a reconnect.
 */
export const INGEST_MIN_SNAPSHOTS_PER_S = 200;
/** How often a waiting batch looks at the load again. */
export const INGEST_GATE_CHECK_MS = 100;
/** The window the loop's busy share is measured over. */
export const INGEST_LOAD_WINDOW_MS = 500;

/** The loop's recent busy share, 0–1. */
export interface LoopLoad {
  busy(): number;
  stop(): void;
}

/** The real loop's utilization (`performance.eventLoopUtilization`), sampled every window. */
export function loopLoad(clock: Clock, windowMs = INGEST_LOAD_WINDOW_MS): LoopLoad {
  let last = performance.eventLoopUtilization();
  let busy = 0;
  const timer = clock.setInterval(() => {
    const now = performance.eventLoopUtilization();
    busy = performance.eventLoopUtilization(now, last).utilization;
    last = now;
  }, windowMs);
  return {
    busy: () => busy,
    stop: () => clock.clearInterval(timer),
  };
}

export interface IngestGateOptions {
  readonly clock: Clock;
  readonly load: Pick<LoopLoad, 'busy'>;
  readonly maxLoopBusy?: number;
  readonly minSnapshotsPerS?: number;
  readonly checkMs?: number;
  /** runs `fn` after pending I/O (default `setImmediate`) */
  readonly yieldToIo?: (fn: () => void) => void;
}

export interface IngestGate {
  /** Resolves when a batch of `snapshots` may be handled. */
  admit(snapshots: number): Promise<void>;
  /** batches waiting now */
  readonly waiting: number;
  close(): void;
}

export function ingestGate(options: IngestGateOptions): IngestGate {
  const { clock, load } = options;
  const maxBusy = options.maxLoopBusy ?? INGEST_MAX_LOOP_BUSY;
  const floorPerMs = (options.minSnapshotsPerS ?? INGEST_MIN_SNAPSHOTS_PER_S) / 1000;
  const checkMs = options.checkMs ?? INGEST_GATE_CHECK_MS;
  const yieldToIo = options.yieldToIo ?? ((fn: () => void) => setImmediate(fn));
  const queue: { n: number; go: () => void }[] = [];
  // snapshot credit at the floor rate, at most one second's worth
  let credit = 0;
  let creditAt = clock.monotonic();
  let timer: unknown;
  let closed = false;

  // one batch per turn of the loop: immediates queued together run in one check phase, so a
  // batch admitted per immediate lets the poll phase (HTTP, /ui) in between batches
  let turning = false;
  const release = () => {
    if (turning) return;
    const now = clock.monotonic();
    credit = Math.min(credit + (now - creditAt) * floorPerMs, Math.max(1, floorPerMs * 1000));
    creditAt = now;
    const head = queue[0];
    if (head === undefined) return;
    const calm = load.busy() <= maxBusy;
    // FIFO: a large batch at the head waits for its credit rather than being overtaken
    if (calm || closed || credit >= 1) {
      queue.shift();
      if (!calm && !closed) credit -= head.n;
      turning = true;
      yieldToIo(() => {
        turning = false;
        head.go();
        release();
      });
      return;
    }
    if (timer === undefined) {
      timer = clock.setTimeout(() => {
        timer = undefined;
        release();
      }, checkMs);
    }
  };

  return {
    admit(snapshots) {
      return new Promise<void>((resolve) => {
        queue.push({ n: Math.max(1, snapshots), go: resolve });
        release();
      });
    },
    get waiting() {
      return queue.length;
    },
    close() {
      closed = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      release();
    },
  };
}
