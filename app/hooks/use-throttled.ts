'use client';
/**
 * A value that follows `value` at most once per `intervalMs` (the latest value wins, nothing is
 * dropped for good), applied in a transition. For panels whose redraw is costly and whose input
 * can change many times a second, such as the timeline and the shard-moves chart during a burst
 * of events.
 */
import { startTransition, useEffect, useRef, useState } from 'react';

export function useThrottled<T>(value: T, intervalMs: number): T {
  const [shown, setShown] = useState(value);
  const shownAt = useRef(-Infinity);
  useEffect(() => {
    if (Object.is(shown, value)) return;
    const wait = Math.max(0, shownAt.current + intervalMs - Date.now());
    const timer = setTimeout(() => {
      shownAt.current = Date.now();
      startTransition(() => setShown(value));
    }, wait);
    return () => clearTimeout(timer);
  }, [value, shown, intervalMs]);
  return shown;
}
