/**
 * Slows down guessing of the admin token: after a few failed attempts from one remote address,
 * each further attempt must wait twice as long as the last (up to a ceiling) and is refused
 * unchecked until then. A success clears the address. Bounded: the stalest address is forgotten.
 */

/** Failures allowed before the first wait. */
export const FREE_FAILURES = 5;
/** First wait after the free failures; doubles with each further failure. */
export const FIRST_WAIT_MS = 1_000;
/** Longest wait. */
export const MAX_WAIT_MS = 60_000;
/** Addresses remembered at once. */
export const MAX_TRACKED_ADDRESSES = 10_000;

/** Raised (as a 429) when an address must wait before its next attempt. */
export class TooManyAttemptsError extends Error {
  readonly code = 'TOO_MANY_ATTEMPTS';
  constructor(readonly retryAfterMs: number) {
    super(`too many failed attempts; retry in ${Math.ceil(retryAfterMs / 1_000)} s`);
    this.name = 'TooManyAttemptsError';
  }
}

interface Entry {
  failures: number;
  /** monotonic ms before which attempts are refused */
  until: number;
}

export class FailureThrottle {
  private readonly entries = new Map<string, Entry>();

  /** @param now monotonic ms */
  constructor(private readonly now: () => number) {}

  /** Throws TooManyAttemptsError while `address` must wait. */
  check(address: string): void {
    const entry = this.entries.get(address);
    const wait = entry === undefined ? 0 : entry.until - this.now();
    if (wait > 0) throw new TooManyAttemptsError(wait);
  }

  /** Records a failed attempt. */
  fail(address: string): void {
    const entry = this.entries.get(address) ?? { failures: 0, until: 0 };
    this.entries.delete(address);
    entry.failures++;
    const over = entry.failures - FREE_FAILURES;
    if (over > 0) entry.until = this.now() + Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** (over - 1));
    if (this.entries.size >= MAX_TRACKED_ADDRESSES) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    // Re-inserted so the map's order is least recently failed first.
    this.entries.set(address, entry);
  }

  /** Clears an address after a success. */
  succeed(address: string): void {
    this.entries.delete(address);
  }
}
