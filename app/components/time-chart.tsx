'use client';
/**
 * A time-series chart on the dashboard's one time axis: every chart gets the same `[from, to]`
 * domain and the same fault periods shaded, so a dip lines up with the fault that caused it.
 */
import { memo } from 'react';
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
import { clockTime } from '../lib/format.ts';

export const FAULT_FILL = '#cf222e';

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
}

export const TimeChart = memo(function TimeChart({
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
  nameOf = (k) => k,
}: TimeChartProps) {
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
        tickFormatter={clockTime}
        minTickGap={48}
      />
      <YAxis width={56} tickFormatter={format} />
      <Tooltip
        labelFormatter={(t) => clockTime(Number(t))}
        formatter={(v) => (typeof v === 'number' && format ? format(v) : String(v))}
      />
      {keys.length > 1 && <Legend />}
      {shading}
    </>
  );
  return (
    <figure className="chart" aria-label={label} data-testid="time-chart" data-points={rows.length}>
      <figcaption>{label}</figcaption>
      <ResponsiveContainer width="100%" height={height}>
        {kind === 'bar' ? (
          <BarChart data={[...rows]} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
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
          <LineChart data={[...rows]} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
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
