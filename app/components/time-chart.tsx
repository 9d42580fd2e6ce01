'use client';
/**
 * A time-series chart on the dashboard's one time axis: every chart gets the same `[from, to]`
 * domain and the same fault periods shaded, so a dip lines up with the fault that caused it.
 *
 * Redraws are the dashboard's most expensive work, so: memoized on its props (which callers keep
 * stable), one chart per task when several change at once, no animation, and ticks given
 * explicitly with `interval={0}` so recharts never measures tick labels in the DOM to thin them out.
 */
import { memo, useCallback, useMemo } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceArea,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { FaultPeriod } from '../lib/events.ts';
import { useStaggered } from '../hooks/use-staggered.ts';
import { clockTime } from '../lib/format.ts';
import { timeTicks } from '../lib/ticks.ts';

export const FAULT_FILL = '#cf222e';

// Room for the labels of the first and last ticks, which sit on the edges of the plot.
const MARGIN = { top: 12, right: 32, bottom: 0, left: 0 } as const;
const sameKey = (k: string) => k;
const tooltipTime = (t: unknown) => clockTime(Number(t));

export interface TimeChartProps {
  readonly label: string;
  readonly rows: readonly Record<string, number | null>[];
  readonly keys: readonly string[];
  readonly colorOf: (key: string, index: number) => string;
  readonly from: number;
  readonly to: number;
  readonly periods: readonly FaultPeriod[];
  readonly format?: (value: number) => string;
  readonly kind?: 'line' | 'bar';
  readonly height?: number;
  readonly nameOf?: (key: string) => string;
  /** take new props through the stagger queue (default); false: redraw with the parent's commit */
  readonly staggered?: boolean;
}

/**
 * Takes new props through the stagger queue: when several charts change together (every step of
 * the chart clock), each redraws in a task of its own.
 */
export const TimeChart = memo(function TimeChart(props: TimeChartProps) {
  const shown = useStaggered(props, props.staggered !== false);
  return <ChartBody {...shown} />;
});

const ChartBody = memo(function ChartBody({
  label,
  rows,
  keys,
  colorOf,
  from,
  to,
  periods,
  format,
  kind = 'line',
  height = 200,
  nameOf = sameKey,
}: TimeChartProps) {
  const ticks = useMemo(() => timeTicks(from, to), [from, to]);
  const tooltipValue = useCallback(
    (v: unknown) => (typeof v === 'number' && format ? format(v) : String(v)),
    [format],
  );
  // recharts takes mutable arrays; it does not mutate them.
  const data = rows as Record<string, number | null>[];
  const shading = periods
    .filter((p) => p.to >= from && p.from <= to)
    .map((p) => (
      <ReferenceArea
        key={p.key}
        x1={Math.max(from, p.from)}
        x2={Math.min(to, p.to)}
        fill={FAULT_FILL}
        fillOpacity={0.12}
        stroke="none"
        ifOverflow="hidden"
        label={{ value: p.label, position: 'insideTopLeft', fontSize: 10, fill: FAULT_FILL }}
      />
    ));
  const axes = (
    <>
      <CartesianGrid strokeDasharray="3 3" opacity={0.3} />
      <XAxis
        dataKey="t"
        type="number"
        scale="time"
        domain={[from, to]}
        allowDataOverflow
        ticks={ticks}
        interval={0}
        tickFormatter={clockTime}
      />
      <YAxis width={56} tickFormatter={format} interval={0} />
      <Tooltip labelFormatter={tooltipTime} formatter={tooltipValue} isAnimationActive={false} />
      {keys.length > 1 && <Legend />}
      {shading}
    </>
  );
  return (
    <figure
      className="chart"
      aria-label={label}
      data-testid="time-chart"
      data-points={rows.length}
      data-from={from}
      data-to={to}
    >
      <figcaption>{label}</figcaption>
      <ResponsiveContainer width="100%" height={height}>
        {kind === 'bar' ? (
          <BarChart data={data} margin={MARGIN}>
            {axes}
            {keys.map((k, i) => (
              <Bar
                key={k}
                dataKey={k}
                name={nameOf(k)}
                fill={colorOf(k, i)}
                isAnimationActive={false}
              />
            ))}
          </BarChart>
        ) : (
          <LineChart data={data} margin={MARGIN}>
            {axes}
            {keys.map((k, i) => (
              <Line
                key={k}
                type="monotone"
                dataKey={k}
                name={nameOf(k)}
                stroke={colorOf(k, i)}
                dot={false}
                connectNulls={false}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        )}
      </ResponsiveContainer>
    </figure>
  );
});
