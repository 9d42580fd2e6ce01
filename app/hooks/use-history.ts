'use client';
/**
 * Traffic history for a time range: loaded from `GET /api/history` (so a reload keeps every
 * chart full), then, for a live range, topped up with the newest buckets once per step of the
 * dashboard's chart clock. The series and the axis bounds they are drawn on change together, in
 * one transition, so a chart redraws once per step (each redraw costs main-thread time).
 * When the store has nothing to offer, live `/ui` traffic pushes fill the chart instead.
 */
import { startTransition, useEffect, useMemo, useRef, useState } from 'react';
import { getJson } from '../lib/api.ts';
import {
  mergeSeries,
  parseHistory,
  rangeBounds,
  seriesFromLive,
  type GroupBy,
  type HistorySeries,
  type LivePoints,
  type TimeRange,
} from '../lib/history.ts';

/** How far back a top-up asks, in chart steps (the store may complete a bucket late). */
export const TOP_UP_STEPS = 3;

/** After a failed load, ask the store again this much later (live pushes fill the chart meanwhile). */
export const RETRY_MS = 15_000;

export interface HistoryState {
  readonly series: readonly HistorySeries[];
  readonly stepMs: number;
  /** 'store': from `/api/history`; 'live': built from pushes because the store had no answer */
  readonly source: 'store' | 'live' | 'loading';
  readonly error: string | null;
  /** the time axis the series are drawn on */
  readonly from: number;
  readonly to: number;
}

const query = (from: number, to: number, groupBy: GroupBy) =>
  `/api/history?from=${Math.floor(from)}&to=${Math.ceil(to)}&groupBy=${groupBy}`;

/**
 * @param clock the dashboard's chart clock (the right edge of a live range), moving in steps of
 *   `stepMs`
 */
export function useHistory(
  range: TimeRange,
  groupBy: GroupBy,
  trafficLog: readonly LivePoints[],
  clock: number,
  stepMs: number,
): HistoryState {
  const [state, setState] = useState<HistoryState>(() => ({
    series: [],
    stepMs: 1_000,
    source: 'loading',
    error: null,
    ...rangeBounds(range, clock),
  }));
  // Read by the loaders (never during render): the latest clock, and what the store answered for.
  const clockRef = useRef(clock);
  const loaded = useRef<{ range: TimeRange; groupBy: GroupBy } | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    clockRef.current = clock;
  }, [clock]);

  // A new range or grouping: the whole range from the store (again later if that failed).
  useEffect(() => {
    let stopped = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    loaded.current = null;
    const { from, to } = rangeBounds(range, clockRef.current);
    void getJson<unknown>(query(from, to, groupBy)).then((res) => {
      if (stopped) return;
      const body = res.ok ? parseHistory(res.data) : null;
      const bounds = rangeBounds(range, clockRef.current);
      if (body !== null) loaded.current = { range, groupBy };
      else retry = setTimeout(() => setAttempt((n) => n + 1), RETRY_MS);
      startTransition(() =>
        setState(
          body === null
            ? {
                series: [],
                stepMs: 1_000,
                source: 'live',
                error: res.ok ? 'unexpected history format' : res.message,
                ...bounds,
              }
            : {
                series: mergeSeries([], body.series, bounds.from),
                stepMs: body.stepMs,
                source: 'store',
                error: null,
                ...bounds,
              },
        ),
      );
    });
    return () => {
      stopped = true;
      clearTimeout(retry);
    };
  }, [range, groupBy, attempt]);

  // Each step of a live range: the newest buckets, and the axis moves with them.
  useEffect(() => {
    const bounds = rangeBounds(range, clock);
    if (!bounds.live) return;
    const held = loaded.current;
    if (held === null || held.range !== range || held.groupBy !== groupBy) {
      // No store answer (yet): a live-fed chart still slides; a pending load sets its own axis.
      startTransition(() =>
        setState((s) => (s.source === 'live' ? { ...s, from: bounds.from, to: bounds.to } : s)),
      );
      return;
    }
    let stopped = false;
    const from = Math.max(bounds.from, clock - TOP_UP_STEPS * stepMs);
    void getJson<unknown>(query(from, bounds.to, groupBy)).then((res) => {
      if (stopped) return;
      const body = res.ok ? parseHistory(res.data) : null;
      startTransition(() =>
        setState((s) => ({
          ...s,
          // A failed top-up keeps what is drawn; the next step asks again.
          series: body === null ? s.series : mergeSeries(s.series, body.series, bounds.from),
          from: bounds.from,
          to: bounds.to,
        })),
      );
    });
    return () => {
      stopped = true;
    };
  }, [range, groupBy, clock, stepMs]);

  // Without a store answer, the live traffic pushes since the page opened fill the chart.
  const liveSeries = useMemo(() => {
    if (state.source !== 'live') return null;
    const from = trafficLog.length > 0 ? trafficLog[0]!.at - 1_000 : 0;
    return seriesFromLive(trafficLog, groupBy, from);
  }, [state.source, trafficLog, groupBy]);

  return useMemo(
    () => (liveSeries === null ? state : { ...state, series: liveSeries, stepMs: 1_000 }),
    [state, liveSeries],
  );
}
