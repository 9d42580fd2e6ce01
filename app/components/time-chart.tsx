'use client';
/**
 * A time-series chart on the dashboard's one time axis: every chart gets the same `[from, to]`
 * domain and the same fault periods shaded, so a dip lines up with the fault that caused it.
 *
 * Redraws are the dashboard's most expensive work, so: memoized on its props (which callers keep
 * stable), one chart per task when several change at once, no animation, and ticks given
 * explicitly with `interval={0}` so recharts never measures tick labels in the DOM to thin them out
 * (chart-body.tsx, loaded on demand so recharts is not on the first paint's path).
 */
import { lazy, memo, Suspense } from 'react';
import { useStaggered } from '../hooks/use-staggered.ts';
import type { TimeChartProps } from '../lib/chart.ts';

const ChartBody = lazy(() => import('./chart-body.tsx').then((m) => ({ default: m.ChartBody })));

/**
 * Takes new props through the stagger queue: when several charts change together (every step of
 * the chart clock), each redraws in a task of its own.
 */
export const TimeChart = memo(function TimeChart(props: TimeChartProps) {
  const shown = useStaggered(props, props.staggered !== false);
  const height = shown.height ?? 200;
  return (
    <figure
      className="chart"
      aria-label={shown.label}
      data-testid="time-chart"
      data-points={shown.rows.length}
      data-from={shown.from}
      data-to={shown.to}
    >
      <figcaption>{shown.label}</figcaption>
      <Suspense fallback={<div style={{ height }} />}>
        <ChartBody {...shown} height={height} />
      </Suspense>
    </figure>
  );
});
