import { describe, expect, it } from 'vitest';
import { checkLinearizability, counterModel, parseHistory } from '../../cluster/check/index.ts';
import { drillTimelineSchema } from '../../protocol/http.ts';
import { LOST_ADD_HISTORY } from './testing/histories.ts';
import { buildTimeline, FAULT_ENDS, windowIndexes } from './timeline.ts';

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

/** A history of nemesis events only, `[f, ms, value?]` each, as the drills write them. */
const nemesisHistory = (events: [string, number, Record<string, unknown>?][]): string =>
  events
    .map(([f, at, value], index) =>
      line({ index, process: 'nemesis', type: 'info', f, value: value ?? {}, time: ms(at) }),
    )
    .join('\n');
const spans = (text: string) =>
  buildTimeline(text).intervals.map((i) => [i.f, i.startMs, i.endMs, i.until]);

describe('drill timeline — fault intervals of every nemesis', () => {
  it('timeline — isolate and bridge are shaded up to their heal; takeover is a mark', () => {
    expect(
      spans(
        nemesisHistory([
          ['load', 1],
          ['isolate', 10, { node: 'n1@127.0.0.1' }],
          ['takeover', 15, { failoverMs: 5 }],
          ['heal', 30],
          ['settle-all', 31],
        ]),
      ),
    ).toEqual([['isolate', 10, 30, 'heal']]);
    expect(
      spans(
        nemesisHistory([
          ['bridge', 10, { left: [], right: [] }],
          ['heal', 40],
        ]),
      ),
    ).toEqual([['bridge', 10, 40, 'heal']]);
  });

  it('timeline — flap: each of the four cuts is its own interval', () => {
    const events: [string, number, Record<string, unknown>?][] = [];
    for (let i = 0; i < 4; i++) {
      events.push(['partition', 100 * i, { flap: i + 1 }], ['heal', 100 * i + 50, { flap: i + 1 }]);
    }
    expect(spans(nemesisHistory(events))).toEqual([
      ['partition', 0, 50, 'heal'],
      ['partition', 100, 150, 'heal'],
      ['partition', 200, 250, 'heal'],
      ['partition', 300, 350, 'heal'],
    ]);
  });

  it("timeline — clock-jump: shaded while the node's offset is not 0, one span per offset", () => {
    const n1 = 'n1@127.0.0.1';
    expect(
      spans(
        nemesisHistory([
          ['clock-step', 10, { node: n1, ms: 3_600_000, offsetMs: 3_600_000 }],
          ['clock-step', 20, { node: n1, ms: -7_200_000, offsetMs: -3_600_000 }],
          ['clock-step', 30, { node: n1, ms: 3_600_000, offsetMs: 0 }],
          ['settle-all', 31],
        ]),
      ),
    ).toEqual([
      ['clock-step', 10, 20, 'clock-step'],
      ['clock-step', 20, 30, 'clock-step'],
    ]);
    // older histories carry no offset: a step and its step back bound the span
    expect(
      spans(
        nemesisHistory([
          ['clock-step', 10, { node: n1, ms: 60_000 }],
          ['clock-step', 25, { node: n1, ms: -60_000 }],
        ]),
      ),
    ).toEqual([['clock-step', 10, 25, 'clock-step']]);
  });

  it("timeline — random: every composed fault is shaded up to its own end, a node's clock step apart from the cuts", () => {
    const t = spans(
      nemesisHistory([
        ['schedule', 0, { seed: 7, faults: 6 }],
        ['partition', 10, { fault: 1, minority: ['n1@127.0.0.1'] }],
        ['heal', 20, { fault: 1 }],
        ['bridge', 30, { fault: 2 }],
        ['heal', 40, { fault: 2 }],
        ['isolate', 50, { fault: 3, node: 'n2@127.0.0.1' }],
        ['heal', 60, { fault: 3 }],
        ['partition', 70, { fault: 4, flap: 1 }],
        ['heal', 75, { fault: 4, flap: 1 }],
        ['partition', 80, { fault: 4, flap: 2 }],
        ['heal', 90, { fault: 4 }],
        ['clock-step', 100, { fault: 5, node: 'n3@127.0.0.1', ms: -60_000, offsetMs: -60_000 }],
        ['clock-step', 110, { fault: 5, node: 'n3@127.0.0.1', ms: 60_000, offsetMs: 0 }],
        ['kill', 120, { fault: 6, node: 'n4@127.0.0.1' }],
        ['restart', 130, { fault: 6, node: 'n4@127.0.0.1' }],
        ['settle-all', 140],
      ]),
    );
    expect(t).toEqual([
      ['partition', 10, 20, 'heal'],
      ['bridge', 30, 40, 'heal'],
      ['isolate', 50, 60, 'heal'],
      ['partition', 70, 75, 'heal'],
      ['partition', 80, 90, 'heal'],
      ['clock-step', 100, 110, 'clock-step'],
      ['kill', 120, 130, 'restart'],
    ]);
  });

  it('timeline — a clock step on one node is not ended by a heal or by a step of another node', () => {
    expect(
      spans(
        nemesisHistory([
          ['clock-step', 10, { node: 'a', offsetMs: 5 }],
          ['partition', 12],
          ['clock-step', 14, { node: 'b', offsetMs: 5 }],
          ['heal', 16],
          ['clock-step', 18, { node: 'b', offsetMs: 0 }],
          ['clock-step', 20, { node: 'a', offsetMs: 0 }],
        ]),
      ),
    ).toEqual([
      ['clock-step', 10, 20, 'clock-step'],
      ['partition', 12, 16, 'heal'],
      ['clock-step', 14, 18, 'clock-step'],
    ]);
  });

  it('timeline — every fault a drill starts has an end (the phases of cli/drill)', () => {
    // the fault-starting phases of node-loss, split-brain, pause, isolate, bridge, flap,
    // clock-jump and random (docs/drills.md, "Progress")
    for (const f of ['kill', 'partition', 'pause', 'isolate', 'bridge', 'clock-step'])
      expect(FAULT_ENDS[f], f).toBeDefined();
  });
});
