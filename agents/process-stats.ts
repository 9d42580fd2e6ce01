import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ProcessStats } from '../protocol/telemetry.ts';

/** A source of process figures, read once per interval. */
export interface ProcessStatsSource {
  /** figures for the interval that just ended; resets the event-loop histogram */
  read(): ProcessStats;
  close(): void;
}

/** RSS, heap and the p99 event-loop delay from `perf_hooks.monitorEventLoopDelay`. */
export function processStatsSource(resolutionMs = 20): ProcessStatsSource {
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  return {
    read() {
      const memory = process.memoryUsage();
      const p99Ns = histogram.count > 0 ? histogram.percentile(99) : 0;
      histogram.reset();
      return {
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        eventLoopDelayP99Ms: Number.isFinite(p99Ns) ? p99Ns / 1e6 : 0,
      };
    },
    close() {
      histogram.disable();
    },
  };
}
