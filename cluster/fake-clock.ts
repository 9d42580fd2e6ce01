import type { Clock } from './api.ts';

/** A manual clock for unit tests: time moves only when `advance` is called. */
export class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void; every: number | null }>();

  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn, every: null });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  setInterval(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn, every: ms });
    return id;
  }
  clearInterval(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** number of armed timers */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing due timers in order (bounded, so a bug cannot spin). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (let guard = 0; guard < 1_000_000; guard++) {
      let nextId = -1;
      let nextAt = Infinity;
      for (const [id, tm] of this.timers)
        if (tm.at < nextAt || (tm.at === nextAt && id < nextId)) {
          nextAt = tm.at;
          nextId = id;
        }
      if (nextId < 0 || nextAt > end) break;
      const tm = this.timers.get(nextId)!;
      this.t = nextAt;
      if (tm.every === null) this.timers.delete(nextId);
      else tm.at += tm.every;
      tm.fn();
    }
    this.t = end;
  }
}
