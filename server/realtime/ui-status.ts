import type { UiStatus } from '../../protocol/ui.ts';
import { every, type Clock } from '../clock.ts';

export interface UiStatusSource {
  readonly bootId: string;
  readonly version: string;
  /** ms since epoch when the server started */
  readonly startedAt: number;
  readonly clock: Clock;
  /** Current number of agents connected to `/agent`. */
  agentsConnected(): number;
}

/** The server's status right now. */
export function takeUiStatus(source: UiStatusSource): UiStatus {
  const at = source.clock.now();
  return {
    bootId: source.bootId,
    version: source.version,
    uptimeMs: Math.max(0, at - source.startedAt),
    agentsConnected: source.agentsConnected(),
    at,
  };
}

/**
 * Pushes the status every `intervalMs` through `emit` (to every `/ui` client).
 * @returns a function that stops the pushes.
 */
export function publishUiStatus(
  source: UiStatusSource,
  intervalMs: number,
  emit: (status: UiStatus) => void,
): () => void {
  return every(source.clock, intervalMs, () => emit(takeUiStatus(source)));
}
