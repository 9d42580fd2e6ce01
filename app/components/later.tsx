'use client';
/**
 * Mounts a costly panel after what matters first: once `ready` (the first model is drawn) or
 * after `LATER_MAX_WAIT_MS` whatever happens, and then through the stagger queue, so each
 * deferred panel mounts in a task of its own. The first meaningful paint (the topology) then
 * does not wait for three recharts charts and a thousand-cell table to mount.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { flushSync } from 'react-dom';
import { stagger } from '../hooks/use-staggered.ts';

/** Mount anyway after this long without `ready` (a server that has no model to show). */
export const LATER_MAX_WAIT_MS = 2_000;

export function Later({
  ready,
  children,
  fallback = null,
}: {
  ready: boolean;
  children: ReactNode;
  fallback?: ReactNode;
}) {
  const [waited, setWaited] = useState(false);
  const [mounted, setMounted] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setWaited(true), LATER_MAX_WAIT_MS);
    return () => clearTimeout(timer);
  }, []);
  const go = ready || waited;
  useEffect(() => {
    if (!go || mounted) return;
    return stagger(() => flushSync(() => setMounted(true)));
  }, [go, mounted]);
  return mounted ? children : fallback;
}
