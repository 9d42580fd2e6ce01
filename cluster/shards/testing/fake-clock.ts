import type { Clock } from '../../api.ts';

interface Timer {
  id: number;
  at: number;
  every: number | null;
  fn: () => void;
}

/** A Clock whose time moves only when a test calls `advance`; timers fire in time order. */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Map<number, Timer>();

  constructor(start = 1_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { id, at: this.t + Math.max(0, ms), every: null, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  setInterval(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    const every = Math.max(1, ms);
    this.timers.set(id, { id, at: this.t + every, every, fn });
    return id;
  }

  clearInterval(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Jumps the clock without running timers (a paused process's view of a clock jump). */
  jump(ms: number): void {
    this.t += ms;
  }

  /**
   * Moves time forward by `ms` in steps of at most `stepMs`, running due timers and letting
   * promise callbacks settle between steps (so async work started by timers can finish).
   */
  async advance(ms: number, stepMs = 10): Promise<void> {
    const end = this.t + ms;
    while (this.t < end) {
      this.t = Math.min(end, this.t + stepMs);
      for (let guard = 0; guard < 10_000; guard++) {
        const due = [...this.timers.values()]
          .filter((x) => x.at <= this.t)
          .sort((a, b) => a.at - b.at || a.id - b.id)[0];
        if (!due) break;
        if (due.every === null) this.timers.delete(due.id);
        else due.at += due.every;
        due.fn();
        await settle();
      }
      await settle();
    }
  }
}

/** Lets queued promise callbacks (and their follow-ups) run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
