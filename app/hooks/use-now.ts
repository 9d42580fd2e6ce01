'use client';
/**
 * A shared wall clock that ticks once a second while anything listens. The server snapshot is 0,
 * so server-rendered HTML never contains a time and hydration cannot mismatch.
 */
import { useSyncExternalStore } from 'react';

export const TICK_MS = 1_000;

let current = 0;
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  current = Date.now();
  if (timer === undefined) {
    timer = setInterval(() => {
      current = Date.now();
      for (const l of listeners) l();
    }, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

const getSnapshot = () => current;
const getServerSnapshot = () => 0;

/** ms since epoch, updated every second; 0 during server rendering and hydration. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, getSnapshot, getServerSnapshot);
}

/**
 * The shared clock rounded down to whole `stepMs`: the component re-renders once a step, not
 * once a second (React skips a render when the snapshot did not change). 0 on the server.
 */
export function useClock(stepMs: number): number {
  return useSyncExternalStore(
    subscribe,
    () => Math.floor(current / stepMs) * stepMs,
    getServerSnapshot,
  );
}
