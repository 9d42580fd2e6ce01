'use client';
/**
 * Traffic history for a time range, as one series model: loaded once from `GET /api/history`
 * (so a reload keeps every chart full), then, for a live range, extended by the live `/ui`
 * traffic pushes, which carry the same numbers, bucketed to the store's resolution for the range.
 * The store is asked again only when the range or grouping changes, when the pushes kept no
 * longer reach back to where its answer ended (a tab left in the background), or after a failure.
 * When the store has nothing to offer, the pushes alone fill the chart.
 */
import { startTransition, useEffect, useMemo, useRef, useState } from 'react';
import { historyResultSchema } from '../../protocol/http.ts';
import { getJson } from '../lib/api.ts';
import {
  mergeSeries,
  rangeBounds,
  seriesFromLive,
  type GroupBy,
  type HistorySeries,
  type LivePoints,
  type TimeRange,
} from '../lib/history.ts';

/** After a failed load, ask the store again this much later (live pushes fill the chart meanwhile). */
export const RETRY_MS = 15_000;

export interface HistoryState {
  readonly series: readonly HistorySeries[];
  readonly stepMs: number;
  /** 'store': from `/api/history` (then the pushes); 'live': from pushes, the store had no answer */
  readonly source: 'store' | 'live' | 'loading';
  readonly error: string | null;
  /** the time axis the series are drawn on */
  readonly from: number;
  readonly to: number;
}

interface Loaded {
  readonly series: readonly HistorySeries[];
  readonly stepMs: number;
  readonly source: HistoryState['source'];
  readonly error: string | null;
  /** where the store's answer ends: pushes take over from its bucket on */
  readonly to: number;
}

const LOADING: Loaded = { series: [], stepMs: 1_000, source: 'loading', error: null, to: 0 };

const query = (from: number, to: number, groupBy: GroupBy) =>
  `/api/history?from=${Math.floor(from)}&to=${Math.ceil(to)}&groupBy=${groupBy}`;

/**
 * @param clock the dashboard's chart clock (the right edge of a live range), moving in steps
 */
export function useHistory(
  range: TimeRange,
  groupBy: GroupBy,
  trafficLog: readonly LivePoints[],
  clock: number,
): HistoryState {
  const [loaded, setLoaded] = useState<Loaded>(LOADING);
  const [attempt, setAttempt] = useState(0);
  // Read by the loader (never during render): the latest clock.
  const clockRef = useRef(clock);
  useEffect(() => {
    clockRef.current = clock;
  }, [clock]);

  // A new range or grouping (or a gap the pushes cannot fill): the whole range from the store.
  useEffect(() => {
    let stopped = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const { from, to } = rangeBounds(range, clockRef.current);
    void getJson(query(from, to, groupBy), historyResultSchema).then((res) => {
      if (stopped) return;
      if (!res.ok) retry = setTimeout(() => setAttempt((n) => n + 1), RETRY_MS);
      startTransition(() =>
        setLoaded(
          res.ok
            ? {
                series: res.data.series,
                stepMs: res.data.resolution * 1_000,
                source: 'store',
                error: null,
                to: res.data.to,
              }
            : { ...LOADING, source: 'live', error: res.message },
        ),
      );
    });
    return () => {
      stopped = true;
      clearTimeout(retry);
    };
  }, [range, groupBy, attempt]);

  const bounds = rangeBounds(range, clock);
  const oldestPush = trafficLog[0]?.at;
  // The pushes kept start after the store's answer ended: a gap only the store can fill.
  const gap =
    loaded.source === 'store' &&
    bounds.live &&
    oldestPush !== undefined &&
    oldestPush > loaded.to + loaded.stepMs;
  useEffect(() => {
    // A request to the store is an effect; the gap is known only from this render's props.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    if (gap) setAttempt((n) => n + 1);
  }, [gap]);

  return useMemo(() => {
    const { from, to, live } = rangeBounds(range, clock);
    if (loaded.source === 'live') {
      return {
        ...loaded,
        series: seriesFromLive(trafficLog, groupBy, (trafficLog[0]?.at ?? 1_000) - 1_000),
        stepMs: 1_000,
        from,
        to,
      };
    }
    if (!live || loaded.source === 'loading') return { ...loaded, from, to };
    const since = Math.max(from, Math.floor(loaded.to / loaded.stepMs) * loaded.stepMs);
    const pushed = seriesFromLive(trafficLog, groupBy, since, loaded.stepMs);
    return { ...loaded, series: mergeSeries(loaded.series, pushed, from), from, to };
  }, [loaded, range, clock, trafficLog, groupBy]);
}
