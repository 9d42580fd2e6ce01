'use client';
/** Shard ownership moves per time bucket, on the shared time axis. */
import { memo, useMemo } from 'react';
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

const movesColor = () => '#8250df';
const MOVES_KEYS = ['moves'];

export const ShardMoves = memo(function ShardMoves({ events, from, to, periods }: ShardMovesProps) {
  const rows = useMemo(() => {
    const bucketMs = Math.max(1_000, Math.ceil((to - from) / BUCKETS / 1_000) * 1_000);
    return movesOverTime(events, from, to, bucketMs).map((b) => ({
      t: b.t + bucketMs / 2,
      moves: b.moves,
    }));
  }, [events, from, to]);
  return (
    <TimeChart
      label="Shard moves over time"
      rows={rows}
      keys={MOVES_KEYS}
      colorOf={movesColor}
      from={from}
      to={to}
      periods={periods}
      kind="bar"
      height={140}
    />
  );
});
