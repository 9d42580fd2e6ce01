'use client';
/**
 * Drills from `GET /api/drills` (polled while one runs) and `POST /api/drills {kind, unsafe?}`.
 * The drill API belongs to the server; until it exists the panel says so.
 */
import { useCallback, useEffect, useState } from 'react';
import {
  drillListSchema,
  drillRecordSchema,
  type DrillKind,
  type DrillRecord,
  type UnsafeSwitch,
} from '../../protocol/http.ts';
import { getJson, postJson, type ApiOutcome } from '../lib/api.ts';

export {
  DEFEATED_BY,
  DRILL_KINDS,
  UNSAFE_SWITCHES,
  type DrillKind,
  type UnsafeSwitch,
} from '../../protocol/http.ts';

/** One drill run as the server reports it. */
export type Drill = DrillRecord;

const POLL_MS = 1_000;
const IDLE_POLL_MS = 10_000;

export function useDrills(): {
  drills: readonly Drill[];
  available: boolean | null;
  error: string | null;
  /** `unsafe`: a negative control, only with the drill it defeats (the server refuses others) */
  start: (kind: DrillKind, unsafe?: UnsafeSwitch) => Promise<ApiOutcome<Drill>>;
} {
  const [drills, setDrills] = useState<readonly Drill[]>([]);
  const [available, setAvailable] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      const r = await getJson('/api/drills', drillListSchema);
      if (stopped) return;
      if (r.ok) {
        const sorted = r.data.drills.slice().sort((a, b) => b.startedAt - a.startedAt);
        setDrills(sorted);
        setAvailable(true);
        setError(null);
        timer = setTimeout(
          () => void load(),
          sorted.some((d) => d.status === 'running') ? POLL_MS : IDLE_POLL_MS,
        );
      } else {
        setAvailable(false);
        setError(r.message);
        timer = setTimeout(() => void load(), IDLE_POLL_MS);
      }
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [tick]);

  const start = useCallback(async (kind: DrillKind, unsafe?: UnsafeSwitch) => {
    const r = await postJson(
      '/api/drills',
      unsafe === undefined ? { kind } : { kind, unsafe },
      drillRecordSchema,
    );
    setTick((t) => t + 1);
    return r;
  }, []);
  return { drills, available, error, start };
}
