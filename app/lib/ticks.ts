/**
 * Time-axis ticks computed here rather than by recharts: given explicit ticks and `interval={0}`,
 * recharts draws them as they are, instead of measuring every label in the DOM on every redraw to
 * thin out overlapping ones (a profile of the dashboard showed that measuring, with the layout it
 * forces, as the largest share of a chart redraw).
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Tick spacings a person reads easily, smallest first. */
export const TICK_STEPS_MS: readonly number[] = [
  SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  24 * HOUR,
];

/** Default number of ticks at most: an `HH:MM:SS` label is ~60 px, a chart ~500–1300 px wide. */
export const MAX_TIME_TICKS = 7;

/**
 * Ticks between `from` and `to` (both included when they fall on a tick) at the smallest readable
 * spacing that gives at most `maxTicks`, aligned to local wall-clock multiples of that spacing
 * (`offsetMs` is the local zone's offset from UTC, east positive, so hour ticks fall on the hour).
 */
export function timeTicks(
  from: number,
  to: number,
  maxTicks: number = MAX_TIME_TICKS,
  offsetMs: number = -new Date(to).getTimezoneOffset() * MINUTE,
): number[] {
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from || maxTicks < 1) return [];
  const span = to - from;
  const step =
    TICK_STEPS_MS.find((s) => span / s <= maxTicks) ??
    Math.ceil(span / maxTicks / (24 * HOUR)) * 24 * HOUR;
  const first = Math.ceil((from + offsetMs) / step) * step - offsetMs;
  const ticks: number[] = [];
  for (let t = first; t <= to; t += step) ticks.push(t);
  return ticks;
}
