'use client';
/**
 * Traffic history for a time range: loaded from `GET /api/history` (so a reload keeps every
 * chart full), then, for a live range, topped up every few seconds with the newest buckets.
 * When the store has nothing to offer, live `/ui` traffic pushes fill the chart instead.
 */
import { useEffect, useMemo, useState } from 'react';
import type { TrafficModel } from '../../protocol/model.ts';
import { getJson } from '../lib/api.ts';
import {
  mergeSeries,
  parseHistory,
  rangeBounds,
  seriesFromTraffic,
  type GroupBy,
  type HistorySeries,
  type TimeRange,
} from '../lib/history.ts';

/** How often a live range asks the store for its newest buckets. */
export const HISTORY_REFRESH_MS = 5_000;

export interface HistoryState {
  readonly series: readonly HistorySeries[];
  readonly stepMs: number;
  /** 'store': from `/api/history`; 'live': built from pushes because the store had no answer */
  readonly source: 'store' | 'live' | 'loading';
  readonly error: string | null;
}

const query = (from: number, to: number, groupBy: GroupBy) =>
  `/api/history?from=${Math.floor(from)}&to=${Math.ceil(to)}&groupBy=${groupBy}`;

export function useHistory(
  range: TimeRange,
  groupBy: GroupBy,
  trafficLog: readonly TrafficModel[],
): HistoryState {
  const [state, setState] = useState<HistoryState>({
    series: [],
    stepMs: 1_000,
    source: 'loading',
    error: null,
  });

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async (initial: boolean) => {
      const now = Date.now();
      const bounds = rangeBounds(range, now);
      const from = initial ? bounds.from : Math.max(bounds.from, now - 3 * HISTORY_REFRESH_MS);
      const res = await getJson<unknown>(query(from, bounds.to, groupBy));
      if (stopped) return;
      const body = res.ok ? parseHistory(res.data) : null;
      if (body === null) {
        setState((s) => ({
          ...s,
          series: [],
          source: 'live',
          error: res.ok ? 'unexpected history format' : res.message,
        }));
      } else {
        setState((s) => ({
          series: mergeSeries(initial ? [] : s.series, body.series, bounds.from),
          stepMs: body.stepMs,
          source: 'store',
          error: null,
        }));
      }
      if (bounds.live && !stopped) {
        timer = setTimeout(() => void load(false), HISTORY_REFRESH_MS);
      }
    };
    void load(true);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [range, groupBy]);

  // Without a store answer, the live traffic pushes since the page opened fill the chart.
  const liveSeries = useMemo(() => {
    if (state.source !== 'live') return null;
    const from = trafficLog.length > 0 ? trafficLog[0]!.at - 1_000 : 0;
    return trafficLog.reduce<HistorySeries[]>(
      (acc, t) => mergeSeries(acc, seriesFromTraffic(t, groupBy), from),
      [],
    );
  }, [state.source, trafficLog, groupBy]);

  return liveSeries === null ? state : { ...state, series: liveSeries, stepMs: 1_000 };
}
