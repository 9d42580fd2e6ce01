/**
 * Time as a port, so periodic and timed server logic is tested with fake time. The same shape
 * as the runtime's `Clock` (cluster/api.ts; the server may not import cluster/ outside the lab),
 * so one fake serves both: `monotonic()` for every duration and deadline, `now()` (wall time)
 * only for timestamps that are shown or stored.
 */
export interface Clock {
  /** wall-clock time, ms since the Unix epoch: timestamps, never durations */
  now(): number;
  /** ms since an arbitrary origin, never going back and unaffected by wall-clock steps */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** The real clock. Timers are unref'd: they never keep the process alive on their own. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

/** Calls `fn` every `ms` on `clock` until the returned function is called. */
export function every(clock: Clock, ms: number, fn: () => void): () => void {
  const handle = clock.setInterval(fn, ms);
  return () => clock.clearInterval(handle);
}
