import type { Clock } from './api.ts';

interface Timer {
  id: number;
  /** monotonic time it is due */
  at: number;
  every: number | null;
  fn: () => void;
}

/**
 * A manual {@link Clock} for tests: time moves only when the test says so, and timers fire in
 * time order (ties in the order they were armed). The two readings move together on `advance`;
 * `jumpWall` steps the wall clock alone, as NTP or an operator does, which must change no
 * duration measured by the code under test.
 */
export class FakeClock implements Clock {
  #wall: number;
  #mono: number;
  #seq = 0;
  readonly #timers = new Map<number, Timer>();

  /** `start`: the initial reading of both clocks (ms) */
  constructor(start = 0) {
    this.#wall = start;
    this.#mono = start;
  }

  now(): number {
    return this.#wall;
  }
  monotonic(): number {
    return this.#mono;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#timers.set(id, { id, at: this.#mono + Math.max(0, ms), every: null, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  setInterval(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    const every = Math.max(1, ms);
    this.#timers.set(id, { id, at: this.#mono + every, every, fn });
    return id;
  }
  clearInterval(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** number of armed timers */
  get pending(): number {
    return this.#timers.size;
  }

  /** Steps the wall clock alone by `ms` (either sign): no timer fires, no duration changes. */
  jumpWall(ms: number): void {
    this.#wall += ms;
  }

  /** Moves both clocks by `ms` without running timers (how a paused process sees time pass). */
  jump(ms: number): void {
    this.#wall += ms;
    this.#mono += ms;
  }

  /** Moves time forward by `ms`, firing due timers in order (bounded, so a bug cannot spin). */
  advance(ms: number): void {
    const end = this.#mono + ms;
    for (let guard = 0; guard < 1_000_000; guard++) {
      const next = this.#next(end);
      if (next === undefined) break;
      this.#fire(next);
    }
    this.#moveTo(end);
  }

  /**
   * `advance` for async code: after each timer, queued promise callbacks run before the next
   * timer is chosen, so work a timer starts (and the timers that work arms) happens in time.
   * With `stepMs`, time also stops every `stepMs` to let promise callbacks run even when no timer
   * is due (for code that polls through promises between timers).
   */
  async advanceAsync(ms: number, stepMs = Infinity): Promise<void> {
    const end = this.#mono + ms;
    let guard = 0;
    do {
      const stop = Math.min(end, this.#mono + stepMs);
      for (; guard < 100_000; guard++) {
        const next = this.#next(stop);
        if (next === undefined) break;
        this.#fire(next);
        await settle();
      }
      this.#moveTo(stop);
      await settle();
    } while (this.#mono < end && guard < 100_000);
  }

  #next(end: number): Timer | undefined {
    let next: Timer | undefined;
    for (const t of this.#timers.values())
      if (
        t.at <= end &&
        (next === undefined || t.at < next.at || (t.at === next.at && t.id < next.id))
      )
        next = t;
    return next;
  }

  #fire(timer: Timer): void {
    this.#moveTo(Math.max(this.#mono, timer.at));
    if (timer.every === null) this.#timers.delete(timer.id);
    else timer.at += timer.every;
    timer.fn();
  }

  #moveTo(mono: number): void {
    this.#wall += mono - this.#mono;
    this.#mono = mono;
  }
}

/** Lets queued promise callbacks (and their follow-ups) run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
