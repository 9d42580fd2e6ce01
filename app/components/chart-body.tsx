'use client';
/**
 * The recharts drawing of a `TimeChart` (time-chart.tsx), in a module of its own so that recharts
 * and its dependencies (about 400 kB of the page's script) are loaded after the first meaningful
 * paint rather than before it.
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
import { clockTime } from '../lib/format.ts';
import { timeTicks } from '../lib/ticks.ts';
import { FAULT_FILL, type TimeChartProps } from '../lib/chart.ts';

// Room for the labels of the first and last ticks, which sit on the edges of the plot.
const MARGIN = { top: 12, right: 32, bottom: 0, left: 0 } as const;
const sameKey = (k: string) => k;
const tooltipTime = (t: unknown) => clockTime(Number(t));

/** Draws `rows` as lines or bars on `[from, to]`, fault periods shaded; memoized on its props. */
export const ChartBody = memo(function ChartBody({
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
  );
});
