'use client';
/**
 * The timeline's events for a range: stored ones from `GET /api/events`, merged with the live
 * pushes so nothing is missing between the load and now.
 */
import { useEffect, useMemo, useState } from 'react';
import type { ModelEvent } from '../../protocol/model.ts';
import { eventsAnswerSchema } from '../../protocol/http.ts';
import { getJson } from '../lib/api.ts';
import { mergeEvents } from '../lib/events.ts';
import { rangeBounds, type TimeRange } from '../lib/history.ts';

export const RANGE_EVENTS_LIMIT = 2_000;

export function useRangeEvents(
  range: TimeRange,
  live: readonly ModelEvent[],
  now: number,
): { events: readonly ModelEvent[]; error: string | null } {
  const [stored, setStored] = useState<readonly ModelEvent[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stopped = false;
    const bounds = rangeBounds(range, Date.now());
    void getJson(
      `/api/events?from=${bounds.from}&to=${bounds.to}&limit=${RANGE_EVENTS_LIMIT}`,
      eventsAnswerSchema,
    ).then((r) => {
      if (stopped) return;
      setStored(r.ok ? r.data.events : []);
      setError(r.ok ? null : r.message);
    });
    return () => {
      stopped = true;
    };
  }, [range]);

  const events = useMemo(() => {
    const { from, to, live: isLive } = rangeBounds(range, now);
    const inRange = (e: ModelEvent) => e.at >= from && (isLive || e.at <= to);
    return mergeEvents(stored.filter(inRange), live.filter(inRange), RANGE_EVENTS_LIMIT);
  }, [stored, live, range, now]);
  return { events, error };
}
