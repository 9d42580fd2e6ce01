/**
 * Fault intervals of a drill history: which nemesis events (the drill's phases, `"process":
 * "nemesis"` lines of docs/drills.md) start a fault and which end it. Shared by the drill's
 * report (operations the clients completed during each fault, cli/drill) and the dashboard's
 * timeline (the shaded spans, server/drills/timeline.ts). Pure: events in, intervals out.
 */

/**
 * Events that start a fault, and those that end it; a new nemesis adds its pair here. Other
 * events (`takeover`, `settle`, …) are marks only. In `random` every fault ends with its own end
 * event before the next starts (cli/drill/nemeses.ts `applyFault`), so a `heal` ends the one open
 * cut whatever its kind.
 */
export const FAULT_ENDS: Readonly<Record<string, readonly string[]>> = {
  kill: ['restart'],
  partition: ['heal'],
  pause: ['resume'],
  isolate: ['heal'],
  bridge: ['heal'],
  // a wall-clock step lasts while the node's offset is not 0: see `FaultTracker.clockStep`
  'clock-step': ['clock-step'],
};

const CLOCK_STEP = 'clock-step';

export interface FaultInterval {
  readonly f: string;
  readonly startMs: number;
  /** null while it is still open at the end of the history */
  readonly endMs: number | null;
  /** the event that ended it, e.g. `heal` */
  readonly until: string | null;
}

/** Pairs nemesis events into fault intervals, one event at a time (in time order). */
export class FaultTracker {
  /** ended intervals, in the order they ended */
  readonly closed: FaultInterval[] = [];
  /** intervals still open, in the order they started */
  readonly open: FaultInterval[] = [];
  /** each node's open wall-clock step (a member of `open`), by node name */
  private readonly openSteps = new Map<string, FaultInterval>();

  push(f: string, atMs: number, value: unknown): void {
    if (f === CLOCK_STEP) {
      this.clockStep(atMs, value);
      return;
    }
    for (let i = this.open.length - 1; i >= 0; i--) {
      const fault = this.open[i]!;
      if (fault.f !== CLOCK_STEP && FAULT_ENDS[fault.f]?.includes(f) === true) {
        this.open.splice(i, 1);
        this.closed.push({ ...fault, endMs: atMs, until: f });
      }
    }
    if (Object.hasOwn(FAULT_ENDS, f))
      this.open.push({ f, startMs: atMs, endMs: null, until: null });
  }

  /** Every interval, ended or open, by start time. */
  intervals(): FaultInterval[] {
    return [...this.closed, ...this.open].sort((a, b) => a.startMs - b.startMs);
  }

  /**
   * A step of one node's wall clock: the fault lasts while that node's offset is not 0. The
   * drills give the offset after the step (`offsetMs`); a step without it (older histories)
   * toggles: it ends the node's open step, or starts one. A step to another non-zero offset ends
   * the node's interval and starts the next, so each span has one offset.
   */
  private clockStep(atMs: number, value: unknown): void {
    const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
    const node = typeof v.node === 'string' ? v.node : '';
    const offset = typeof v.offsetMs === 'number' ? v.offsetMs : undefined;
    const prev = this.openSteps.get(node);
    if (prev !== undefined) {
      this.open.splice(this.open.indexOf(prev), 1);
      this.openSteps.delete(node);
      this.closed.push({ ...prev, endMs: atMs, until: CLOCK_STEP });
      if (offset === undefined) return;
    }
    if (offset === 0) return;
    const interval: FaultInterval = { f: CLOCK_STEP, startMs: atMs, endMs: null, until: null };
    this.open.push(interval);
    this.openSteps.set(node, interval);
  }
}
