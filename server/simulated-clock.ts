/**
 * A {@link Clock} that runs with real time and can also be moved forward at will, so a whole
 * server (ingest, flushes, rollups, retention, pushes) can live through an hour of simulated time
 * in a few minutes: between jumps it advances like the real clock (a 100 ms flush timer still
 * fires 100 ms later), and `advance(ms)` adds `ms` to both readings at once and fires every timer
 * that came due, in time order. Time never goes back.
 *
 * Nothing in the server knows it runs on this clock: it is just another implementation of the
 * port. A benchmark (bench/ingest.bench.ts) drives it; if the server cannot keep up with the
 * jumps it asks for, real time simply adds to the simulated time, as it would in production.
 */
import { systemClock, type Clock } from './clock.ts';

interface Timer {
  readonly id: number;
  /** monotonic (simulated) time it is due */
  at: number;
  readonly every: number | null;
  readonly fn: () => void;
}

export interface SimulatedClockOptions {
  /** wall-clock reading at the start, ms since the epoch */
  readonly startMs: number;
  /**
   * The clock that real time comes from (its timers wake this one up).
   * @default systemClock (unref'd timers)
   */
  readonly base?: Clock;
}

export class SimulatedClock implements Clock {
  readonly #base: Clock;
  readonly #startWall: number;
  readonly #baseOrigin: number;
  #offset = 0;
  #seq = 0;
  readonly #timers = new Map<number, Timer>();
  /** the base timer armed for the earliest due timer, and when it is due */
  #wake: { handle: unknown; at: number } | undefined;
  #running = false;

  constructor(options: SimulatedClockOptions) {
    this.#base = options.base ?? systemClock;
    this.#startWall = options.startMs;
    this.#baseOrigin = this.#base.monotonic();
  }

  monotonic(): number {
    return this.#base.monotonic() - this.#baseOrigin + this.#offset;
  }

  now(): number {
    return this.#startWall + this.monotonic();
  }

  /** ms jumped so far (simulated time that did not pass in real time) */
  get jumpedMs(): number {
    return this.#offset;
  }

  /** number of armed timers */
  get pending(): number {
    return this.#timers.size;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    return this.#arm(fn, ms, null);
  }

  setInterval(fn: () => void, ms: number): unknown {
    const every = Math.max(1, ms);
    return this.#arm(fn, every, every);
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  clearInterval(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Moves both readings forward by `ms` and fires what came due, in time order. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`a simulated clock moves forward only (got ${ms} ms)`);
    this.#offset += ms;
    this.#fireDue();
  }

  /** Moves forward to the wall-clock reading `wallMs`; nothing when it is already past. */
  advanceTo(wallMs: number): void {
    this.advance(Math.max(0, wallMs - this.now()));
  }

  #arm(fn: () => void, ms: number, every: number | null): number {
    const id = ++this.#seq;
    this.#timers.set(id, { id, at: this.monotonic() + Math.max(0, ms), every, fn });
    this.#schedule();
    return id;
  }

  #fireDue(): void {
    // A timer that arms another from inside its callback is picked up by the same loop.
    if (this.#running) return;
    this.#running = true;
    try {
      for (;;) {
        const now = this.monotonic();
        let next: Timer | undefined;
        for (const t of this.#timers.values()) {
          if (t.at <= now && (next === undefined || t.at < next.at)) next = t;
        }
        if (next === undefined) break;
        if (next.every === null) this.#timers.delete(next.id);
        // Like Node's setInterval, a late interval fires once, not once per missed period.
        else next.at = next.at + next.every > now ? next.at + next.every : now + next.every;
        next.fn();
      }
    } finally {
      this.#running = false;
      this.#schedule();
    }
  }

  /** Arms one base timer for the earliest due timer (real time brings it closer). */
  #schedule(): void {
    if (this.#running) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const t of this.#timers.values()) earliest = Math.min(earliest, t.at);
    if (this.#wake !== undefined && this.#wake.at === earliest) return;
    if (this.#wake !== undefined) this.#base.clearTimeout(this.#wake.handle);
    this.#wake = undefined;
    if (earliest === Number.POSITIVE_INFINITY) return;
    const handle = this.#base.setTimeout(
      () => {
        this.#wake = undefined;
        this.#fireDue();
      },
      Math.max(0, earliest - this.monotonic()),
    );
    this.#wake = { handle, at: earliest };
  }
}
