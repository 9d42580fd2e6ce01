'use client';
/** Shard ownership moves per time bucket, on the shared time axis. */
import type { ModelEvent } from '../../protocol/model.ts';
import type { FaultPeriod } from '../lib/events.ts';
import { movesOverTime } from '../lib/shards.ts';
import { TimeChart } from './time-chart.tsx';

const BUCKETS = 60;

export interface ShardMovesProps {
  readonly events: readonly ModelEvent[];
  readonly from: number;
  readonly to: number;
  readonly periods: readonly FaultPeriod[];
}

export function ShardMoves({ events, from, to, periods }: ShardMovesProps) {
  const bucketMs = Math.max(1_000, Math.ceil((to - from) / BUCKETS / 1_000) * 1_000);
  const rows = movesOverTime(events, from, to, bucketMs).map((b) => ({
    t: b.t + bucketMs / 2,
    moves: b.moves,
  }));
  return (
    <TimeChart
      label="Shard moves over time"
      rows={rows}
      keys={['moves']}
      colorOf={() => '#8250df'}
      from={from}
      to={to}
      periods={periods}
      kind="bar"
      height={140}
    />
  );
}
