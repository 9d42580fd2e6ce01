import type { Clock, Logger } from './api.ts';

/**
 * The real clock: wall time from `Date.now()`, monotonic time from `performance.now()` (a
 * monotonic source in Node). Timers are unref'd: a node never keeps the process alive by its
 * timers alone.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

/** Logs nothing; the default when no logger is given. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
