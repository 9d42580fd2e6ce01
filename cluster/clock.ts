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

/** A clock whose wall reading can be stepped, as NTP or an operator steps a real host's clock. */
export interface SteppableClock extends Clock {
  /** steps the wall reading by `ms` (either way); the monotonic reading is not touched */
  step(ms: number): void;
  /** the total step so far, ms */
  offset(): number;
}

/**
 * `base` with a wall-clock offset that `step` moves: the lab's wall-clock-jump nemesis. Only
 * `now()` moves; `monotonic()` and the timers stay `base`'s, which is why leases (monotonic)
 * must not notice.
 */
export function steppableClock(base: Clock = systemClock): SteppableClock {
  let offset = 0;
  return {
    now: () => base.now() + offset,
    monotonic: () => base.monotonic(),
    setTimeout: (fn, ms) => base.setTimeout(fn, ms),
    clearTimeout: (h) => base.clearTimeout(h),
    setInterval: (fn, ms) => base.setInterval(fn, ms),
    clearInterval: (h) => base.clearInterval(h),
    step: (ms) => {
      offset += ms;
    },
    offset: () => offset,
  };
}
