import { describe, expect, it } from 'vitest';
import type { DrillTimeline } from '../../protocol/http.ts';
import {
  layoutTimeline,
  MAX_LANES,
  TIMELINE_LEFT,
  TIMELINE_RIGHT,
  TIMELINE_WIDTH,
} from './drill-timeline.ts';

const base: DrillTimeline = {
  processes: [0, 1],
  ops: [
    { index: 1, process: 0, type: 'ok', f: 'add', key: 'k', value: 1, invokeMs: 0, completeMs: 50 },
    {
      index: 2,
      process: 1,
      type: 'info',
      f: 'add',
      key: 'k',
      value: 2,
      invokeMs: 20,
      completeMs: 30,
    },
    {
      index: 3,
      process: 1,
      type: 'fail',
      f: 'add',
      key: 'k',
      value: 2,
      invokeMs: 60,
      completeMs: 60,
      window: true,
    },
  ],
  nemesis: [
    { f: 'partition', atMs: 25 },
    { f: 'heal', atMs: 75 },
  ],
  intervals: [{ f: 'partition', startMs: 25, endMs: 75, until: 'heal' }],
  endMs: 100,
  totalOps: 3,
  shownOps: 3,
  skippedLines: 0,
};

describe('drill timeline layout', () => {
  it('drill timeline layout — a lane per process, bars from invoke to completion, info open to the end', () => {
    const l = layoutTimeline(base);
    const plot = TIMELINE_WIDTH - TIMELINE_LEFT - TIMELINE_RIGHT;
    expect(l.lanes.map((x) => x.process)).toEqual([0, 1]);
    expect(l.lanes[1]!.y - l.lanes[0]!.y).toBe(l.laneHeight);
    const [ok, info, fail] = l.bars;
    expect(ok).toMatchObject({ x: TIMELINE_LEFT, w: plot / 2, open: false, y: l.lanes[0]!.y + 1 });
    // info: may have taken effect any time after its invoke, so drawn to the end
    expect(info).toMatchObject({ x: TIMELINE_LEFT + plot * 0.2, open: true });
    expect(info!.x + info!.w).toBeCloseTo(TIMELINE_WIDTH - TIMELINE_RIGHT);
    // an instant op stays visible
    expect(fail!.w).toBeGreaterThan(1);
    expect(l.faults).toEqual([
      { f: 'partition', x: TIMELINE_LEFT + plot * 0.25, w: plot / 2, open: false },
    ]);
    expect(l.marks.map((m) => m.f)).toEqual(['partition', 'heal']);
    expect(l.ticks[0]).toEqual({ x: TIMELINE_LEFT, label: '0.00 s' });
  });

  it('drill timeline layout — lanes beyond the cap are counted, not drawn', () => {
    const processes = Array.from({ length: MAX_LANES + 5 }, (_, i) => i);
    const l = layoutTimeline({ ...base, processes });
    expect(l.lanes).toHaveLength(MAX_LANES);
    expect(l.hiddenLanes).toBe(5);
    expect(l.laneHeight).toBeGreaterThanOrEqual(6);
  });
});
