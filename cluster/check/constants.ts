/** Defaults of the history checker, with the unit in the name. Documented in docs/drills.md. */

/** memoised (linearized set, state) pairs one key may visit before its verdict is `unknown` */
export const DEFAULT_CHECK_MAX_STATES = 2_000_000;
/** wall time (monotonic) the whole check may take before unchecked keys are `unknown` */
export const DEFAULT_CHECK_TIME_MS = 120_000;
/** monotonic ms one failing key may spend shrinking its window (within the check's own budget) */
export const DEFAULT_WINDOW_TIME_MS = 5_000;
/** memoised states one search may visit while shrinking a window (a relaxed history can explode) */
export const DEFAULT_WINDOW_MAX_STATES = 100_000;
/** linearizability checks one failing key may spend shrinking its window */
export const DEFAULT_WINDOW_CHECKS = 2_000;
/** failing keys reported with a window (the rest are counted) */
export const DEFAULT_MAX_REPORTED_FAILURES = 10;
/** longest history line accepted, in characters */
export const MAX_HISTORY_LINE_CHARS = 64 * 1024;
