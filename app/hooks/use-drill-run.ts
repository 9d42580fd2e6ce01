'use client';
/**
 * One drill run from `GET /api/drills/:id` (the run, its history file, the history as a timeline),
 * polled while it runs and read once more when it ends.
 */
import { useEffect, useState } from 'react';
import { drillViewSchema, type DrillView } from '../../protocol/http.ts';
import { getJson } from '../lib/api.ts';

const POLL_MS = 1_000;

export function useDrillRun(id: string | null): {
  view: DrillView | null;
  error: string | null;
} {
  const [state, setState] = useState<{
    id: string | null;
    view: DrillView | null;
    error: string | null;
  }>({ id, view: null, error: null });

  useEffect(() => {
    if (id === null) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      const r = await getJson(`/api/drills/${encodeURIComponent(id)}`, drillViewSchema);
      if (stopped) return;
      if (r.ok) {
        setState({ id, view: r.data, error: null });
        if (r.data.status === 'running') timer = setTimeout(() => void load(), POLL_MS);
      } else {
        setState({ id, view: null, error: r.message });
      }
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [id]);
  // a view of the previous id is never shown for the next one
  return state.id === id ? state : { view: null, error: null };
}
