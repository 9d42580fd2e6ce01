/** Exponential backoff with jitter, in the style of "full jitter minus a floor". */
export interface BackoffOptions {
  /** delay after the first failure; default DEFAULT_BACKOFF_INITIAL_MS */
  readonly initialMs: number;
  /** cap on any delay; default DEFAULT_BACKOFF_MAX_MS */
  readonly maxMs: number;
  /** fraction of the delay that is randomised, 0..1; default DEFAULT_BACKOFF_JITTER */
  readonly jitter: number;
}

/**
 * The delay before attempt `failures + 1`, given `failures` consecutive failures (≥ 1).
 * `random` is injected so that tests are deterministic.
 */
export function backoffDelayMs(
  failures: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const base = Math.min(options.maxMs, options.initialMs * 2 ** exponent);
  const jitter = Math.min(Math.max(options.jitter, 0), 1);
  // Jitter only shortens the delay, so the cap stays a real upper bound.
  return Math.round(base * (1 - jitter * random()));
}
