'use client';
/** Message rate and payload-size percentiles over time, per channel or per sending node. */
import { memo, useCallback, useMemo, useState } from 'react';
import { useHistory } from '../hooks/use-history.ts';
import { OWNER_PALETTE } from '../lib/colors.ts';
import type { FaultPeriod } from '../lib/events.ts';
import { formatBytes, formatRate, shortName } from '../lib/format.ts';
import { toChartRows, type GroupBy, type LivePoints, type TimeRange } from '../lib/history.ts';
import { TimeChart } from './time-chart.tsx';

type Percentile = 'p50' | 'p95' | 'p99';

const sameName = (key: string) => key;

export interface TrafficChartsProps {
  readonly range: TimeRange;
  /** the dashboard's chart clock and its step (see `useHistory`) */
  readonly clock: number;
  readonly stepMs: number;
  readonly trafficLog: readonly LivePoints[];
  readonly periods: readonly FaultPeriod[];
  readonly nodeColors: ReadonlyMap<string, string>;
}

export const TrafficCharts = memo(function TrafficCharts({
  range,
  clock,
  stepMs,
  trafficLog,
  periods,
  nodeColors,
}: TrafficChartsProps) {
  const [groupBy, setGroupBy] = useState<GroupBy>('channel');
  const [percentile, setPercentile] = useState<Percentile>('p95');
  const history = useHistory(range, groupBy, trafficLog, clock, stepMs);
  const { from, to } = history;
  const keys = useMemo(() => history.series.map((s) => s.key), [history.series]);
  const rates = useMemo(() => toChartRows(history.series, 'msgPerSec'), [history.series]);
  const sizes = useMemo(
    () => toChartRows(history.series, percentile),
    [history.series, percentile],
  );
  const colorOf = useCallback(
    (key: string, i: number) =>
      (groupBy === 'node' ? nodeColors.get(key) : undefined) ??
      OWNER_PALETTE[i % OWNER_PALETTE.length]!,
    [groupBy, nodeColors],
  );
  const nameOf = groupBy === 'node' ? shortName : sameName;
  return (
    <section
      className="panel"
      aria-labelledby="traffic-title"
      data-testid="traffic-charts"
      data-source={history.source}
    >
      <div className="panel-head">
        <h2 id="traffic-title">Traffic</h2>
        <div className="toolbar">
          <div role="radiogroup" aria-label="Group traffic by">
            {(['channel', 'node'] as const).map((g) => (
              <button
                key={g}
                type="button"
                role="radio"
                aria-checked={groupBy === g}
                onClick={() => setGroupBy(g)}
              >
                per {g}
              </button>
            ))}
          </div>
          <div role="radiogroup" aria-label="Payload percentile">
            {(['p50', 'p95', 'p99'] as const).map((p) => (
              <button
                key={p}
                type="button"
                role="radio"
                aria-checked={percentile === p}
                onClick={() => setPercentile(p)}
              >
                {p}
              </button>
            ))}
          </div>
        </div>
      </div>
      {history.source === 'live' && (
        <p className="hint">
          History unavailable ({history.error ?? 'no answer'}); showing live data since this page
          opened. Percentiles here are the largest link&apos;s, an upper bound.
        </p>
      )}
      {/* The first chart redraws in the same commit as the section (not staggered), so the
          section's data-source always describes what that chart shows. */}
      <TimeChart
        staggered={false}
        label={`Messages per second, per ${groupBy}`}
        rows={rates}
        keys={keys}
        colorOf={colorOf}
        nameOf={nameOf}
        from={from}
        to={to}
        periods={periods}
        format={formatRate}
      />
      <TimeChart
        label={`Payload size ${percentile}, per ${groupBy}`}
        rows={sizes}
        keys={keys}
        colorOf={colorOf}
        nameOf={nameOf}
        from={from}
        to={to}
        periods={periods}
        format={formatBytes}
      />
    </section>
  );
});
