'use client';
/**
 * Traffic history for a time range, as one series model: loaded once from `GET /api/history`
 * (so a reload keeps every chart full), then, for a live range, extended by the live `/ui`
 * traffic pushes, which carry the same numbers, bucketed to the store's resolution for the range.
 * The store is asked again only when the range or grouping changes, when the pushes kept no
 * longer reach back to where its answer ended (a tab left in the background), when its answer no
 * longer reaches into the range (asked with a clock since overtaken), or after a failure.
 * When the store has nothing to offer, the pushes alone fill the chart.
 */
import { startTransition, useEffect, useMemo, useRef, useState } from 'react';
import { historyResultSchema } from '../../protocol/http.ts';
import { getJson } from '../lib/api.ts';
import { rangeBounds, type GroupBy, type LivePoints, type TimeRange } from '../lib/history.ts';
import {
  historyView,
  LOADING,
  storeAnswerStale,
  type HistoryState,
  type Loaded,
} from '../lib/history-view.ts';

export type { HistoryState } from '../lib/history-view.ts';

/** After a failed load, ask the store again this much later (live pushes fill the chart meanwhile). */
export const RETRY_MS = 15_000;

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

  // The answer no longer reaches into the range, or the pushes kept start after it ended: a
  // gap only the store can fill.
  const gap = storeAnswerStale(loaded, range, clock, trafficLog);
  useEffect(() => {
    // A request to the store is an effect; the gap is known only from this render's props.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    if (gap) setAttempt((n) => n + 1);
  }, [gap]);

  return useMemo(
    () => historyView(loaded, range, groupBy, trafficLog, clock),
    [loaded, range, clock, trafficLog, groupBy],
  );
}
