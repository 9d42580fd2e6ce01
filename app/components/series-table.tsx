'use client';
/**
 * Every series of a chart as a table row (mean rate, newest and largest payload percentile), so
 * that series folded into "others" on the chart (lib/top-series.ts) can still be read one by one.
 */
import { memo, useMemo } from 'react';
import { formatBytes, formatRate } from '../lib/format.ts';
import type { HistorySeries } from '../lib/history.ts';
import { summarize, type Percentile } from '../lib/top-series.ts';

export interface SeriesTableProps {
  readonly label: string;
  /** what a row stands for: "node", "channel" */
  readonly noun: string;
  /** every series, folded or not */
  readonly series: readonly HistorySeries[];
  readonly percentile: Percentile;
  /** the colour a series is drawn in (the folded ones: the "others" line's) */
  readonly colorOf: (key: string) => string;
  readonly nameOf: (key: string) => string;
}

// A 32-node table would push the rest of the panel down; it scrolls instead.
const BOX = { maxHeight: '16rem', overflowY: 'auto' } as const;

export const SeriesTable = memo(function SeriesTable({
  label,
  noun,
  series,
  percentile,
  colorOf,
  nameOf,
}: SeriesTableProps) {
  const rows = useMemo(() => summarize(series, percentile), [series, percentile]);
  return (
    <div style={BOX}>
      <table className="data" aria-label={label}>
        <thead>
          <tr>
            <th scope="col">{noun}</th>
            <th scope="col" className="num">
              msg/s (mean)
            </th>
            <th scope="col" className="num">
              {percentile} newest
            </th>
            <th scope="col" className="num">
              {percentile} largest
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} data-testid="series-row">
              <th scope="row">
                <span className="swatch line" style={{ background: colorOf(r.key) }} />{' '}
                {nameOf(r.key)}
              </th>
              <td className="num">{formatRate(r.msgPerSec)}</td>
              <td className="num">{formatBytes(r.latest)}</td>
              <td className="num">{formatBytes(r.peak)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
});
