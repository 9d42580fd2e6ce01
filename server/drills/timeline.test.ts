import { describe, expect, it } from 'vitest';
import { checkLinearizability, counterModel, parseHistory } from '../../cluster/check/index.ts';
import { drillTimelineSchema } from '../../protocol/http.ts';
import { LOST_ADD_HISTORY } from './testing/histories.ts';
import { buildTimeline, windowIndexes } from './timeline.ts';

const ms = (n: number) => n * 1e6;
const line = (o: Record<string, unknown>) => JSON.stringify(o);

describe('drill timeline', () => {
  it('timeline — pairs invokes with completions per process, one lane each, times in ms', () => {
    const t = buildTimeline(LOST_ADD_HISTORY.join('\n'));
    expect(drillTimelineSchema.parse(t)).toEqual(t);
    expect(t.processes).toEqual([0, 1, 2, 3]);
    expect(t.totalOps).toBe(5);
    expect(t.shownOps).toBe(5);
    expect(t.note).toBeUndefined();
    expect(t.ops.map((o) => [o.index, o.process, o.type, o.f, o.key, o.value])).toEqual([
      [1, 0, 'ok', 'add', 'k0', 2],
      [2, 1, 'info', 'add', 'k1', 1],
      [6, 2, 'fail', 'add', 'k0', 3],
      [9, 3, 'ok', 'read', 'k0', 0],
      // still pending at the end: info, open-ended
      [11, 0, 'info', 'add', 'k1', 5],
    ]);
    expect(t.ops[0]).toMatchObject({ invokeMs: 10, completeMs: 20 });
    expect(t.ops[4]).toMatchObject({ invokeMs: 80, completeMs: null });
    expect(t.endMs).toBe(80);
    expect(t.skippedLines).toBe(0);
  });

  it('timeline — a partition is a fault interval up to its heal; phases are marks', () => {
    const t = buildTimeline(LOST_ADD_HISTORY.join('\n'));
    expect(t.nemesis.map((e) => [e.f, e.atMs])).toEqual([
      ['start', 0],
      ['partition', 25],
      ['heal', 60],
    ]);
    expect(t.intervals).toEqual([{ f: 'partition', startMs: 25, endMs: 60, until: 'heal' }]);
    const unhealed = buildTimeline(
      LOST_ADD_HISTORY.filter((l) => !l.includes('"heal"')).join('\n'),
    );
    expect(unhealed.intervals).toEqual([{ f: 'partition', startMs: 25, endMs: null, until: null }]);
  });

  it("timeline — marks the checker's failing window from the report", () => {
    const history = parseHistory(LOST_ADD_HISTORY.join('\n'), counterModel);
    const report = checkLinearizability(history, { model: counterModel });
    expect(report.verdict).toBe('fail');
    const window = windowIndexes({ linearizability: report });
    expect([...window].sort((a, b) => a - b)).toEqual([1, 9]);
    const t = buildTimeline(LOST_ADD_HISTORY.join('\n'), { window });
    expect(t.ops.filter((o) => o.window === true).map((o) => o.index)).toEqual([1, 9]);
    expect(windowIndexes(undefined).size).toBe(0);
    expect(windowIndexes({ linearizability: { failures: 'nope' } }).size).toBe(0);
  });

  it('timeline — skips and counts lines that are not history events', () => {
    const t = buildTimeline(
      [
        'not json',
        '[1,2]',
        line({ index: 0, process: 0, type: 'ok', f: 'add', key: 'k', value: 1, time: 5 }),
        line({ index: 1, process: -1, type: 'invoke', f: 'add', key: 'k', value: 1, time: 5 }),
        line({ index: 2, process: 0, type: 'invoke', f: 'add', key: 'k', value: 1 }),
        '',
        ...LOST_ADD_HISTORY,
      ].join('\n'),
    );
    expect(t.skippedLines).toBe(5);
    expect(t.totalOps).toBe(5);
  });

  it('timeline — past the cap, keeps every fail, info and window op and samples ok ones evenly, in bounded memory', () => {
    const lines: string[] = [];
    let index = 0;
    const total = 8_000;
    for (let i = 0; i < total; i++) {
      const p = i % 4;
      const type = i % 1000 === 7 ? 'info' : i % 1000 === 8 ? 'fail' : 'ok';
      lines.push(
        line({
          index: index++,
          process: p,
          type: 'invoke',
          f: 'add',
          key: 'k',
          value: 1,
          time: ms(i),
        }),
      );
      lines.push(
        line({ index: index++, process: p, type, f: 'add', key: 'k', value: 1, time: ms(i) + 5e5 }),
      );
    }
    const window = new Set([2 * 4_321]);
    const t = buildTimeline(lines.join('\n'), { maxOps: 500, window });
    expect(t.totalOps).toBe(total);
    expect(t.shownOps).toBe(500);
    expect(t.ops).toHaveLength(500);
    expect(t.ops.filter((o) => o.type === 'info')).toHaveLength(8);
    expect(t.ops.filter((o) => o.type === 'fail')).toHaveLength(8);
    expect(t.ops.filter((o) => o.window === true).map((o) => o.index)).toEqual([2 * 4_321]);
    expect(t.note).toMatch(/^showing 500 of 8000 operations/);
    // evenly: ok samples from the first and the last tenth of the run
    const ok = t.ops.filter((o) => o.type === 'ok');
    expect(ok.some((o) => o.invokeMs < total / 10)).toBe(true);
    expect(ok.some((o) => o.invokeMs > (total * 9) / 10)).toBe(true);
    // sorted by invoke time
    expect(t.ops.every((o, i) => i === 0 || t.ops[i - 1]!.invokeMs <= o.invokeMs)).toBe(true);
  });
});
