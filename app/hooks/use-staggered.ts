'use client';
/**
 * A value that follows `value` through the shared stagger queue (lib/stagger.ts): each component
 * using it takes its new value in a task of its own, rendered and committed at once (`flushSync`,
 * so the redraw is not batched with the others'). For the charts, whose redraws are the
 * dashboard's most expensive work.
 */
import { useEffect, useState } from 'react';
import { flushSync } from 'react-dom';
import { createStagger } from '../lib/stagger.ts';

/** The dashboard's one queue: charts and deferred panels take turns in it. */
export const stagger = createStagger();

/** `value`, or with `enabled` false `value` itself at once (no queue). */
export function useStaggered<T>(value: T, enabled = true): T {
  const [shown, setShown] = useState(value);
  useEffect(() => {
    if (!enabled || Object.is(shown, value)) return;
    return stagger(() => flushSync(() => setShown(value)));
  }, [value, shown, enabled]);
  return enabled ? shown : value;
}
