/**
 * Turns a drill's history (the JSON-lines format of docs/drills.md) into the timeline the drill
 * view draws: each client operation from its invoke to its completion, the nemesis events, and
 * the fault intervals they bound. Pure and push-based (one line at a time), so a history of any
 * size is read in bounded memory: beyond {@link MAX_TIMELINE_OPS} operations, `ok` ones are
 * sampled evenly while every `fail`, `info` and failing-window operation is kept, since those are
 * what a reader looks for. The file is written by our own drill, so a line that is not a history
 * event is counted and skipped rather than failing the view (`observatory check` is the strict
 * reader).
 */
import {
  MAX_TIMELINE_NEMESIS,
  MAX_TIMELINE_OPS,
  type DrillTimeline,
  type TimelineEvent,
  type TimelineOp,
} from '../../protocol/http.ts';
import { FAULT_ENDS, FaultTracker } from '../../protocol/drill-faults.ts';

/** The nemesis events that start and end a fault (protocol/drill-faults.ts). */
export { FAULT_ENDS };

const NS_PER_MS = 1e6;

export interface TimelineOptions {
  /** invoke indexes of the checker's failing-window operations */
  readonly window?: ReadonlySet<number>;
  /** @default MAX_TIMELINE_OPS (protocol/http.ts) */
  readonly maxOps?: number;
  /** @default MAX_TIMELINE_NEMESIS (protocol/http.ts) */
  readonly maxNemesis?: number;
}

interface Pending {
  readonly index: number;
  readonly f: string;
  readonly key: string | number | null;
  readonly value: unknown;
  readonly invokeMs: number;
}

const isKey = (v: unknown): v is string | number =>
  typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));

export class TimelineBuilder {
  private readonly window: ReadonlySet<number>;
  private readonly maxOps: number;
  private readonly maxNemesis: number;
  private readonly pending = new Map<number, Pending>();
  private readonly processes = new Set<number>();
  /** fail, info and window operations: always kept (up to maxOps) */
  private readonly special: TimelineOp[] = [];
  /** ok operations, every `stride`-th */
  private okKept: TimelineOp[] = [];
  private stride = 1;
  private okSeen = 0;
  private droppedSpecial = 0;
  private readonly nemesis: TimelineEvent[] = [];
  private droppedNemesis = 0;
  private readonly faults = new FaultTracker();
  private endMs = 0;
  private total = 0;
  private skipped = 0;

  constructor(options: TimelineOptions = {}) {
    this.window = options.window ?? new Set();
    this.maxOps = Math.max(1, options.maxOps ?? MAX_TIMELINE_OPS);
    this.maxNemesis = Math.max(0, options.maxNemesis ?? MAX_TIMELINE_NEMESIS);
  }

  /** Reads one line of the history (blank lines are ignored). */
  push(line: string): void {
    const text = line.trim();
    if (text === '') return;
    let e: Record<string, unknown>;
    try {
      const v = JSON.parse(text) as unknown;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
      e = v as Record<string, unknown>;
    } catch {
      this.skipped++;
      return;
    }
    const { index, process, type, f, time } = e;
    if (
      typeof time !== 'number' ||
      !Number.isFinite(time) ||
      typeof f !== 'string' ||
      typeof type !== 'string'
    ) {
      this.skipped++;
      return;
    }
    const atMs = time / NS_PER_MS;
    this.endMs = Math.max(this.endMs, atMs);
    if (process === 'nemesis') {
      this.nemesisEvent(f, atMs, e.value);
      return;
    }
    if (typeof process !== 'number' || !Number.isSafeInteger(process) || process < 0) {
      this.skipped++;
      return;
    }
    if (type === 'invoke') {
      if (typeof index !== 'number' || this.pending.has(process)) {
        this.skipped++;
        return;
      }
      this.processes.add(process);
      this.pending.set(process, {
        index,
        f,
        key: isKey(e.key) ? e.key : null,
        value: e.value ?? null,
        invokeMs: atMs,
      });
      return;
    }
    const invoked = this.pending.get(process);
    if ((type !== 'ok' && type !== 'fail' && type !== 'info') || invoked === undefined) {
      this.skipped++;
      return;
    }
    this.pending.delete(process);
    // a read's interesting value is the one it returned
    const value = f === 'read' && type === 'ok' ? (e.value ?? null) : invoked.value;
    this.add({ ...invoked, process, type, value, completeMs: atMs });
  }

  /** The timeline of every line pushed so far. */
  finish(): DrillTimeline {
    // an invoke still pending at the end counts as info, open-ended
    for (const [process, p] of this.pending) {
      this.add({ ...p, process, type: 'info', completeMs: null });
    }
    this.pending.clear();
    const room = Math.max(0, this.maxOps - this.special.length);
    let ok = this.okKept;
    if (ok.length > room) {
      const step = ok.length / room;
      ok = room === 0 ? [] : Array.from({ length: room }, (_, i) => ok[Math.floor(i * step)]!);
    }
    const ops = [...this.special, ...ok].sort(
      (a, b) => a.invokeMs - b.invokeMs || a.index - b.index,
    );
    const notes: string[] = [];
    if (ops.length < this.total) {
      notes.push(
        `showing ${ops.length} of ${this.total} operations: every fail, info and failing-window operation` +
          (this.droppedSpecial > 0
            ? ` up to ${this.maxOps} (${this.droppedSpecial} left out)`
            : '') +
          `, and ${ok.length} of ${this.okSeen} ok operations sampled evenly`,
      );
    }
    if (this.droppedNemesis > 0) {
      notes.push(
        `${this.droppedNemesis} nemesis events after the first ${this.maxNemesis} left out`,
      );
    }
    return {
      processes: [...this.processes].sort((a, b) => a - b),
      ops,
      nemesis: this.nemesis,
      intervals: this.faults.intervals(),
      endMs: this.endMs,
      totalOps: this.total,
      shownOps: ops.length,
      skippedLines: this.skipped,
      ...(notes.length > 0 && { note: notes.join('; ') }),
    };
  }

  private add(op: TimelineOp): void {
    this.total++;
    const inWindow = this.window.has(op.index);
    const o: TimelineOp = inWindow ? { ...op, window: true } : op;
    if (o.type !== 'ok' || inWindow) {
      if (this.special.length < this.maxOps) this.special.push(o);
      else this.droppedSpecial++;
      return;
    }
    if (this.okSeen % this.stride === 0) this.okKept.push(o);
    this.okSeen++;
    // keep memory bounded: halve what is kept and double the stride (kept[i] is ok #i·stride)
    if (this.okKept.length > 2 * this.maxOps) {
      this.okKept = this.okKept.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
    }
  }

  private nemesisEvent(f: string, atMs: number, value: unknown): void {
    if (this.nemesis.length < this.maxNemesis) {
      this.nemesis.push({ f, atMs, ...(value !== undefined && { value }) });
    } else {
      this.droppedNemesis++;
    }
    this.faults.push(f, atMs, value);
  }
}

/** The timeline of a whole history given as text (tests, small files). */
export function buildTimeline(text: string, options: TimelineOptions = {}): DrillTimeline {
  const builder = new TimelineBuilder(options);
  for (const line of text.split('\n')) builder.push(line);
  return builder.finish();
}

/** The invoke indexes of every operation in the report's failing windows. */
export function windowIndexes(report: unknown): Set<number> {
  const out = new Set<number>();
  const failures = (report as { linearizability?: { failures?: unknown } } | undefined)
    ?.linearizability?.failures;
  if (!Array.isArray(failures)) return out;
  for (const failure of failures as { window?: unknown }[]) {
    if (!Array.isArray(failure.window)) continue;
    for (const op of failure.window as { invokeIndex?: unknown }[]) {
      if (typeof op.invokeIndex === 'number') out.add(op.invokeIndex);
    }
  }
  return out;
}
