'use client';
/**
 * Message rate and payload-size percentiles over time, per channel or per sending node.
 *
 * A chart draws at most `TOP_SERIES` series of its own plus "others" (32 node lines cost a redraw
 * of about half a second and cannot be told apart anyway), each with at most one point per pixel
 * of plot (LTTB); a table under the charts then lists every series, folded ones included.
 */
import { memo, useCallback, useMemo, useState } from 'react';
import { useHistory } from '../hooks/use-history.ts';
import { OWNER_PALETTE, UNOWNED_COLOR } from '../lib/colors.ts';
import type { FaultPeriod } from '../lib/events.ts';
import { formatBytes, formatRate, shortName } from '../lib/format.ts';
import {
  toChartRows,
  type GroupBy,
  type HistorySeries,
  type LivePoints,
  type Metric,
  type TimeRange,
} from '../lib/history.ts';
import { downsampleRows, plotPoints } from '../lib/lttb.ts';
import { foldSeries, OTHERS_KEY, TOP_SERIES, type Percentile } from '../lib/top-series.ts';
import { RadioGroup } from './radio-group.tsx';
import { SeriesTable } from './series-table.tsx';
import { TimeChart } from './time-chart.tsx';

const GROUPINGS = ['channel', 'node'] as const;
const PERCENTILES = ['p50', 'p95', 'p99'] as const;
const groupingText = (g: GroupBy) => `per ${g}`;

/** Chart rows of `metric` for the drawn series, at most `points` of them. */
function useRows(
  series: readonly HistorySeries[],
  keys: readonly string[],
  metric: Metric,
  points: number,
) {
  return useMemo(
    () => downsampleRows(toChartRows(series, metric), keys, points),
    [series, keys, metric, points],
  );
}

/**
 * How many points the plots have room for, from the panel's width: a ref for the panel and the
 * count, which changes only in whole steps so a resize rarely redraws.
 */
function usePlotPoints() {
  const [points, setPoints] = useState(() =>
    plotPoints(typeof window === 'undefined' ? 0 : window.innerWidth),
  );
  const ref = useCallback((el: HTMLElement | null) => {
    if (el === null) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry !== undefined) setPoints(plotPoints(entry.contentRect.width));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, points] as const;
}

export interface TrafficChartsProps {
  readonly range: TimeRange;
  /** the dashboard's chart clock (see `useHistory`) */
  readonly clock: number;
  readonly trafficLog: readonly LivePoints[];
  readonly periods: readonly FaultPeriod[];
  readonly nodeColors: ReadonlyMap<string, string>;
}

export const TrafficCharts = memo(function TrafficCharts({
  range,
  clock,
  trafficLog,
  periods,
  nodeColors,
}: TrafficChartsProps) {
  const [groupBy, setGroupBy] = useState<GroupBy>('channel');
  const [percentile, setPercentile] = useState<Percentile>('p95');
  const [panelRef, points] = usePlotPoints();
  const history = useHistory(range, groupBy, trafficLog, clock);
  const { from, to } = history;
  const { series, folded } = useMemo(
    () => foldSeries(history.series, TOP_SERIES),
    [history.series],
  );
  const keys = useMemo(() => series.map((s) => s.key), [series]);
  const rates = useRows(series, keys, 'msgPerSec', points);
  const sizes = useRows(series, keys, percentile, points);
  const colorOf = useCallback(
    (key: string, i: number) =>
      key === OTHERS_KEY
        ? UNOWNED_COLOR
        : ((groupBy === 'node' ? nodeColors.get(key) : undefined) ??
          OWNER_PALETTE[i % OWNER_PALETTE.length]!),
    [groupBy, nodeColors],
  );
  const othersCount = folded.length;
  const nameOf = useCallback(
    (key: string) =>
      key === OTHERS_KEY
        ? `others (highest of ${othersCount})`
        : groupBy === 'node'
          ? shortName(key)
          : key,
    [groupBy, othersCount],
  );
  // The table's colours: a folded series is drawn as part of the "others" line.
  const tableColorOf = useMemo(() => {
    const index = new Map(keys.map((k, i) => [k, i]));
    return (key: string) => {
      const i = index.get(key);
      return i === undefined ? UNOWNED_COLOR : colorOf(key, i);
    };
  }, [keys, colorOf]);
  // What both charts share: the series drawn, their names and colours, the axis and the faults.
  const shared = { keys, colorOf, nameOf, from, to, periods };
  return (
    <section
      ref={panelRef}
      className="panel"
      aria-labelledby="traffic-title"
      data-testid="traffic-charts"
      data-source={history.source}
    >
      <div className="panel-head">
        <h2 id="traffic-title">Traffic</h2>
        <div className="toolbar">
          <RadioGroup
            label="Group traffic by"
            options={GROUPINGS}
            value={groupBy}
            onChange={setGroupBy}
            text={groupingText}
          />
          <RadioGroup
            label="Payload percentile"
            options={PERCENTILES}
            value={percentile}
            onChange={setPercentile}
          />
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
        {...shared}
        staggered={false}
        label={`Messages per second, per ${groupBy}`}
        rows={rates}
        format={formatRate}
      />
      <TimeChart
        {...shared}
        label={`Payload size ${percentile}, per ${groupBy}`}
        rows={sizes}
        format={formatBytes}
      />
      {othersCount > 0 && (
        <>
          <p className="hint" data-testid="traffic-others">
            The charts draw the {keys.length - 1} busiest {groupBy}s by messages, and for the other{' '}
            {othersCount} one grey line: the highest of their values at each time. Every {groupBy}:
          </p>
          <SeriesTable
            label={`Traffic per ${groupBy}`}
            noun={groupBy}
            series={history.series}
            percentile={percentile}
            colorOf={tableColorOf}
            nameOf={nameOf}
          />
        </>
      )}
    </section>
  );
});
