/**
 * Geometry of a drill's history timeline (app/components/drill-timeline.tsx): one lane per client
 * process, each operation a bar from invoke to completion, `info` ones open to the end of the run
 * (they may have taken effect at any point after their invoke), fault intervals spanning every
 * lane, nemesis events as marks. Pure, so the drawing is tested without a browser.
 */
import type { DrillTimeline, TimelineOp } from '../../protocol/http.ts';

export const TIMELINE_WIDTH = 1000;
/** room for the lane labels */
export const TIMELINE_LEFT = 80;
export const TIMELINE_RIGHT = 10;
/** room for the fault labels and nemesis marks above the lanes */
export const TIMELINE_TOP = 28;
export const TIMELINE_AXIS = 22;
export const MIN_LANE_PX = 6;
export const MAX_LANE_PX = 18;
/** lanes drawn at most; more are summed up in a note (after many `info`s, processes multiply) */
export const MAX_LANES = 64;
/** a bar is at least this wide so an instant operation stays visible */
const MIN_BAR_PX = 1.5;

export interface Bar {
  readonly op: TimelineOp;
  readonly x: number;
  readonly w: number;
  readonly y: number;
  readonly h: number;
  /** an `info` operation: drawn open to the end */
  readonly open: boolean;
}

export interface TimelineLayout {
  readonly width: number;
  readonly height: number;
  readonly lanes: readonly { readonly process: number; readonly y: number }[];
  readonly laneHeight: number;
  readonly bars: readonly Bar[];
  readonly faults: readonly { f: string; x: number; w: number; open: boolean }[];
  readonly marks: readonly { f: string; x: number; atMs: number }[];
  readonly ticks: readonly { x: number; label: string }[];
  /** processes not drawn (beyond {@link MAX_LANES}) */
  readonly hiddenLanes: number;
  /** x of a time in ms */
  readonly x: (ms: number) => number;
}

/** Round tick steps in ms, so the axis reads 0 s, 2 s, 4 s … */
const STEPS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 30_000];

function tickStep(spanMs: number): number {
  for (const s of STEPS_MS) if (spanMs / s <= 10) return s;
  return 60_000 * Math.ceil(spanMs / 600_000);
}

const tickLabel = (ms: number, step: number) =>
  step < 1_000 ? `${(ms / 1_000).toFixed(step < 100 ? 2 : 1)} s` : `${Math.round(ms / 1_000)} s`;

export function layoutTimeline(t: DrillTimeline): TimelineLayout {
  const shown = t.processes.slice(0, MAX_LANES);
  const laneHeight = Math.max(
    MIN_LANE_PX,
    Math.min(MAX_LANE_PX, Math.floor(480 / Math.max(1, shown.length))),
  );
  const lanes = shown.map((process, i) => ({ process, y: TIMELINE_TOP + i * laneHeight }));
  const laneOf = new Map(lanes.map((l) => [l.process, l.y]));
  const endMs = Math.max(t.endMs, 1);
  const plot = TIMELINE_WIDTH - TIMELINE_LEFT - TIMELINE_RIGHT;
  const x = (ms: number) => TIMELINE_LEFT + (Math.min(Math.max(ms, 0), endMs) / endMs) * plot;
  const bars: Bar[] = [];
  for (const op of t.ops) {
    const y = laneOf.get(op.process);
    if (y === undefined) continue;
    const open = op.type === 'info';
    const x0 = x(op.invokeMs);
    const x1 = open ? x(endMs) : x(op.completeMs ?? endMs);
    bars.push({ op, x: x0, w: Math.max(MIN_BAR_PX, x1 - x0), y: y + 1, h: laneHeight - 2, open });
  }
  const lanesBottom = TIMELINE_TOP + lanes.length * laneHeight;
  const step = tickStep(endMs);
  const ticks: { x: number; label: string }[] = [];
  for (let ms = 0; ms <= endMs; ms += step) ticks.push({ x: x(ms), label: tickLabel(ms, step) });
  return {
    width: TIMELINE_WIDTH,
    height: lanesBottom + TIMELINE_AXIS,
    lanes,
    laneHeight,
    bars,
    faults: t.intervals.map((i) => ({
      f: i.f,
      x: x(i.startMs),
      w: Math.max(MIN_BAR_PX, x(i.endMs ?? endMs) - x(i.startMs)),
      open: i.endMs === null,
    })),
    marks: t.nemesis.map((e) => ({ f: e.f, x: x(e.atMs), atMs: e.atMs })),
    ticks,
    hiddenLanes: t.processes.length - shown.length,
    x,
  };
}

/** `1.234 s` for a time since the run's start. */
export function runTime(ms: number | null): string {
  return ms === null ? 'never' : `${(ms / 1_000).toFixed(3)} s`;
}
