/**
 * Test helpers: histories written as compact interval lists, turned into the real line format
 * (so every test also goes through the parser).
 */
import { parseHistory, type History } from '../history.ts';
import type { Model } from '../models.ts';

/** An operation by `p` from `start` to `end` (any ordering units); `end: null` never completes. */
export interface Interval {
  readonly p: number;
  readonly f: string;
  readonly key?: string | number;
  /** invoke value (write/cas/add) */
  readonly in?: unknown;
  /** read result */
  readonly out?: unknown;
  readonly type?: 'ok' | 'fail' | 'info';
  readonly start: number;
  readonly end: number | null;
}

/** The JSON lines of `ops`, ordered by time (invokes before completions at equal times). */
export function linesOf(ops: readonly Interval[]): string[] {
  const events: { t: number; seq: number; line: Record<string, unknown> }[] = [];
  ops.forEach((o, i) => {
    const key = o.key ?? 'k';
    events.push({
      t: o.start,
      seq: i * 2,
      line: { process: o.p, type: 'invoke', f: o.f, key, value: o.f === 'read' ? null : o.in },
    });
    if (o.end !== null) {
      const type = o.type ?? 'ok';
      events.push({
        t: o.end,
        seq: i * 2 + 1,
        line: { process: o.p, type, f: o.f, key, value: o.f === 'read' ? o.out : o.in },
      });
    }
  });
  events.sort((a, b) => a.t - b.t || a.seq - b.seq);
  return events.map((e, index) => JSON.stringify({ index, ...e.line, time: e.t * 1000 }));
}

export function historyOf(model: Model, ops: readonly Interval[]): History {
  return parseHistory(linesOf(ops).join('\n'), model);
}
