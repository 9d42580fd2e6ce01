'use client';
/**
 * Drills from `GET /api/drills` (polled while one runs) and `POST /api/drills {kind}`.
 * The drill API belongs to the server; until it exists the panel says so.
 */
import { useCallback, useEffect, useState } from 'react';
import { getJson, postJson, type ApiOutcome } from '../lib/api.ts';

export const DRILL_KINDS = ['node-loss', 'split-brain', 'pause'] as const;
export type DrillKind = (typeof DRILL_KINDS)[number];

export interface DrillReport {
  /** true when the checker passed */
  readonly passed?: boolean;
  readonly verdict?: string;
  readonly summary?: string;
  readonly [key: string]: unknown;
}

export interface Drill {
  readonly id: string;
  readonly kind: string;
  /** running, passed, failed (or another word the server uses) */
  readonly status: string;
  readonly startedAt: number;
  readonly progress?: string;
  readonly report?: DrillReport;
}

const POLL_MS = 1_000;
const IDLE_POLL_MS = 10_000;

export function useDrills(): {
  drills: readonly Drill[];
  available: boolean | null;
  error: string | null;
  start: (kind: DrillKind) => Promise<ApiOutcome<Drill>>;
} {
  const [drills, setDrills] = useState<readonly Drill[]>([]);
  const [available, setAvailable] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      const r = await getJson<unknown>('/api/drills');
      if (stopped) return;
      const list = r.ok
        ? Array.isArray(r.data)
          ? r.data
          : (r.data as { drills?: unknown }).drills
        : null;
      if (Array.isArray(list)) {
        const sorted = (list as Drill[]).slice().sort((a, b) => b.startedAt - a.startedAt);
        setDrills(sorted);
        setAvailable(true);
        setError(null);
        timer = setTimeout(
          () => void load(),
          sorted.some((d) => d.status === 'running') ? POLL_MS : IDLE_POLL_MS,
        );
      } else {
        setAvailable(false);
        setError(r.ok ? 'unexpected answer from /api/drills' : r.message);
        timer = setTimeout(() => void load(), IDLE_POLL_MS);
      }
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [tick]);

  const start = useCallback(async (kind: DrillKind) => {
    const r = await postJson<Drill>('/api/drills', { kind });
    setTick((t) => t + 1);
    return r;
  }, []);
  return { drills, available, error, start };
}
