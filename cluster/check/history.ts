/**
 * The history format (docs/drills.md, "History"): one JSON object per line, Jepsen-shaped —
 * `{"index","process","type","f","key","value","time"}` — with nemesis events as
 * `"process": "nemesis"`. `HistoryParser` is a push parser (one line at a time, so a file of a
 * million operations streams through it) that validates every line strictly and pairs each
 * completion with its process's pending invoke.
 */
import { MAX_HISTORY_LINE_CHARS } from './constants.ts';
import { HistoryFormatError } from './errors.ts';
import type { Model } from './models.ts';

export type EventType = 'invoke' | 'ok' | 'fail' | 'info';
const EVENT_TYPES: ReadonlySet<string> = new Set(['invoke', 'ok', 'fail', 'info']);
const FIELDS: ReadonlySet<string> = new Set([
  'index',
  'process',
  'type',
  'f',
  'key',
  'value',
  'time',
  'error',
  'node',
]);

/** One line of a history, as written. */
export interface HistoryEvent {
  readonly index: number;
  readonly process: number | 'nemesis';
  readonly type: EventType;
  readonly f: string;
  readonly key?: string | number;
  readonly value?: unknown;
  /** ns since the run's start (monotonic) */
  readonly time: number;
  /** why an operation failed or is unknown (free text) */
  readonly error?: string;
  /** the node a client talked to */
  readonly node?: string;
}

/** A client operation: an invoke and its completion, if any. */
export interface Operation {
  /** position among the history's operations, in invoke order */
  readonly id: number;
  readonly process: number;
  readonly f: string;
  readonly key: string | number;
  readonly input: unknown;
  /** the completion's value (what a read returned) */
  readonly output: unknown;
  /** `info` also for an invoke that never completed: it may or may not have happened */
  readonly type: 'ok' | 'fail' | 'info';
  readonly invokeIndex: number;
  readonly invokeTime: number;
  readonly invokeLine: number;
  readonly completeIndex: number | null;
  readonly completeTime: number | null;
  readonly completeLine: number | null;
  readonly error?: string;
  readonly node?: string;
}

export interface NemesisEvent {
  readonly index: number;
  readonly type: EventType;
  readonly f: string;
  readonly value?: unknown;
  readonly time: number;
  readonly line: number;
}

export interface History {
  readonly operations: readonly Operation[];
  readonly nemesis: readonly NemesisEvent[];
  /** lines read */
  readonly lines: number;
}

interface Pending {
  process: number;
  f: string;
  key: string | number;
  input: unknown;
  index: number;
  time: number;
  line: number;
  node?: string;
}

const show = (v: unknown): string => JSON.stringify(v) ?? 'undefined';

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

/** Validates and pairs history lines one at a time; `finish()` returns the history. */
export class HistoryParser {
  private line = 0;
  private lastIndex = -1;
  private lastTime = 0;
  private readonly ops: (Operation | Pending)[] = [];
  private readonly pending = new Map<number, number>();
  private readonly nemesis: NemesisEvent[] = [];

  constructor(private readonly model: Model) {}

  /** One line, without its newline. Throws HistoryFormatError naming the line. */
  push(text: string): void {
    this.line++;
    const fail = (message: string): never => {
      throw new HistoryFormatError(this.line, message);
    };
    if (text.length > MAX_HISTORY_LINE_CHARS)
      fail(`longer than ${MAX_HISTORY_LINE_CHARS} characters`);
    if (text.trim() === '') fail('empty line (one JSON object per line)');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      fail(`not JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('not a JSON object');
    const o = raw as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!FIELDS.has(k)) fail(`unknown field ${show(k)}`);

    const { index, process, type, f, key, value, time, error, node } = o;
    if (!Number.isSafeInteger(index) || (index as number) < 0)
      fail(`"index" must be a non-negative integer, not ${show(index)}`);
    if ((index as number) <= this.lastIndex)
      fail(`"index" ${show(index)} does not increase (previous ${this.lastIndex})`);
    if (typeof time !== 'number' || !Number.isFinite(time) || time < 0)
      fail(`"time" must be a non-negative number of ns, not ${show(time)}`);
    if ((time as number) < this.lastTime)
      fail(`"time" ${show(time)} goes backwards (previous ${this.lastTime})`);
    if (typeof type !== 'string' || !EVENT_TYPES.has(type))
      fail(`"type" must be invoke, ok, fail or info, not ${show(type)}`);
    if (typeof f !== 'string' || f === '') fail(`"f" must be a non-empty string, not ${show(f)}`);
    if (error !== undefined && typeof error !== 'string') fail(`"error" must be a string`);
    if (node !== undefined && typeof node !== 'string') fail(`"node" must be a string`);
    this.lastIndex = index as number;
    this.lastTime = time as number;
    const t = type as EventType;
    const fn = f as string;

    if (process === 'nemesis') {
      this.nemesis.push({
        index: index as number,
        type: t,
        f: fn,
        ...(value === undefined ? {} : { value }),
        time: time as number,
        line: this.line,
      });
      return;
    }
    if (!Number.isSafeInteger(process) || (process as number) < 0)
      fail(`"process" must be a non-negative integer or "nemesis", not ${show(process)}`);
    const p = process as number;
    if (!this.model.fs.includes(fn))
      fail(
        `unknown "f" ${show(fn)} for the ${this.model.name} model (${this.model.fs.join(', ')})`,
      );
    if (typeof key !== 'string' && !Number.isSafeInteger(key))
      fail(`"key" must be a string or an integer, not ${show(key)}`);
    const k = key as string | number;
    // a completion may leave out a write's value (its invoke has it); a read's matters only when ok
    const skip = t !== 'invoke' && (this.model.isRead(fn) ? t !== 'ok' : value === undefined);
    const bad = skip ? undefined : this.model.invalidValue(fn, t, value);
    if (bad !== undefined) fail(bad);

    const at = this.pending.get(p);
    if (t === 'invoke') {
      if (at !== undefined) {
        const prev = this.ops[at] as Pending;
        fail(`process ${p} invoked ${fn} while its ${prev.f} (line ${prev.line}) is still pending`);
      }
      this.pending.set(p, this.ops.length);
      this.ops.push({
        process: p,
        f: fn,
        key: k,
        input: this.model.isRead(fn) ? null : value,
        index: index as number,
        time: time as number,
        line: this.line,
        ...(node === undefined ? {} : { node: node as string }),
      });
      return;
    }
    if (at === undefined) fail(`${t} ${fn} by process ${p}, which has no pending invoke`);
    const inv = this.ops[at!] as Pending;
    if (inv.f !== fn)
      fail(`${t} ${fn} by process ${p}, whose pending invoke (line ${inv.line}) is ${inv.f}`);
    if (inv.key !== k)
      fail(
        `${t} ${fn} by process ${p} on key ${show(k)}, whose invoke (line ${inv.line}) was on key ${show(inv.key)}`,
      );
    if (!this.model.isRead(fn) && value !== undefined && !sameValue(value, inv.input))
      fail(
        `${t} ${fn} by process ${p} carries ${show(value)}, its invoke (line ${inv.line}) ${show(inv.input)}`,
      );
    this.pending.delete(p);
    this.ops[at!] = this.complete(at!, inv, {
      type: t,
      output: this.model.isRead(fn) && t === 'ok' ? value : undefined,
      index: index as number,
      time: time as number,
      line: this.line,
      ...(error === undefined ? {} : { error: error as string }),
      ...(node === undefined ? {} : { node: node as string }),
    });
  }

  /** The history; invokes still pending become `info` (they may or may not have happened). */
  finish(): History {
    const operations = this.ops.map((o, i) => ('id' in o ? o : this.complete(i, o, null)));
    return { operations, nemesis: this.nemesis, lines: this.line };
  }

  private complete(
    id: number,
    inv: Pending,
    end: {
      type: EventType;
      output: unknown;
      index: number;
      time: number;
      line: number;
      error?: string;
      node?: string;
    } | null,
  ): Operation {
    const node = end?.node ?? inv.node;
    return {
      id,
      process: inv.process,
      f: inv.f,
      key: inv.key,
      input: inv.input,
      output: end?.output,
      type: end === null ? 'info' : (end.type as 'ok' | 'fail' | 'info'),
      invokeIndex: inv.index,
      invokeTime: inv.time,
      invokeLine: inv.line,
      completeIndex: end?.index ?? null,
      completeTime: end?.time ?? null,
      completeLine: end?.line ?? null,
      ...(end?.error === undefined ? {} : { error: end.error }),
      ...(node === undefined ? {} : { node }),
    };
  }
}

/** Parses a whole history held in memory (a trailing newline is fine). */
export function parseHistory(text: string, model: Model): History {
  const parser = new HistoryParser(model);
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const l of lines) parser.push(l.endsWith('\r') ? l.slice(0, -1) : l);
  return parser.finish();
}

/** One line of the format, as `observatory drill --history` writes it. */
export function formatEvent(e: HistoryEvent): string {
  return JSON.stringify(e);
}
