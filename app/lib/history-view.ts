/**
 * What the traffic charts show, from the store's last answer, the live pushes kept and the
 * chart clock: pure, so the rule that a section's source label and its data change together can
 * be tested without a browser (`app/hooks/use-history.ts` holds the state and the requests).
 */
import {
  mergeSeries,
  rangeBounds,
  seriesFromLive,
  type GroupBy,
  type HistorySeries,
  type LivePoints,
  type TimeRange,
} from './history.ts';

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

/** The store's last answer (or its absence), as the hook holds it. */
export interface Loaded {
  readonly series: readonly HistorySeries[];
  readonly stepMs: number;
  readonly source: HistoryState['source'];
  readonly error: string | null;
  /** where the store's answer ends: pushes take over from its bucket on */
  readonly to: number;
}

export const LOADING: Loaded = {
  series: [],
  stepMs: 1_000,
  source: 'loading',
  error: null,
  to: 0,
};

/**
 * Whether the store must be asked again for a live range: its answer ends before the range now
 * begins (it was asked with a clock since overtaken: the dashboard's deferred chart clock still
 * holds its server-side value, one step past 0, in the render that first mounts the charts), or
 * the pushes kept start after its answer ended (a tab left in the background).
 */
export function storeAnswerStale(
  loaded: Loaded,
  range: TimeRange,
  clock: number,
  trafficLog: readonly LivePoints[],
): boolean {
  const bounds = rangeBounds(range, clock);
  if (loaded.source !== 'store' || !bounds.live) return false;
  if (loaded.to + loaded.stepMs < bounds.from) return true;
  const oldestPush = trafficLog[0]?.at;
  return oldestPush !== undefined && oldestPush > loaded.to + loaded.stepMs;
}

/**
 * The charts' state. Source and data come from the same answer in the same render: a store
 * answer that no longer reaches into the range is shown as still loading (the hook asks again),
 * never as 'store' with only the live points after it.
 */
export function historyView(
  loaded: Loaded,
  range: TimeRange,
  groupBy: GroupBy,
  trafficLog: readonly LivePoints[],
  clock: number,
): HistoryState {
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
  if (live && loaded.source === 'store' && loaded.to + loaded.stepMs < from) {
    return { ...LOADING, from, to };
  }
  if (!live || loaded.source === 'loading') return { ...loaded, from, to };
  const since = Math.max(from, Math.floor(loaded.to / loaded.stepMs) * loaded.stepMs);
  const pushed = seriesFromLive(trafficLog, groupBy, since, loaded.stepMs);
  return { ...loaded, series: mergeSeries(loaded.series, pushed, from), from, to };
}
