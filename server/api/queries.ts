/**
 * Query parameters of `GET /api/history` and `GET /api/events`, and the history answer's shape.
 */
import { z } from 'zod';

const ms = z.coerce
  .number({ message: 'must be a time in ms since epoch' })
  .int({ message: 'must be a time in ms since epoch' })
  .min(0);

/** Resolutions kept by the store, in seconds. */
export const RESOLUTIONS_S = [1, 10, 60] as const;
export type Resolution = (typeof RESOLUTIONS_S)[number];

export const historyQuerySchema = z
  .object({
    /** default: `to` minus 5 minutes */
    from: ms.optional(),
    /** default: now */
    to: ms.optional(),
    /** seconds per point; `auto` picks the finest kept for the whole range */
    resolution: z.enum(['auto', '1', '10', '60']).default('auto'),
    /** one series per sending node, per directed link, per channel, or one for everything */
    groupBy: z.enum(['total', 'node', 'link', 'channel']).default('channel'),
    node: z.string().min(1).max(255).optional(),
    peer: z.string().min(1).max(255).optional(),
    channel: z.string().min(1).max(128).optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, {
    message: 'from must be before to',
    path: ['from'],
  });
export type HistoryQuery = z.output<typeof historyQuerySchema>;

export interface HistoryPoint {
  /** start of the bucket, ms since epoch */
  readonly t: number;
  readonly msgPerSec: number;
  readonly bytesPerSec: number;
  /** frame size percentiles from merged sketches, null when no frames */
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

export interface HistorySeries {
  /** `total`, the node, `from→to`, or the channel */
  readonly key: string;
  readonly points: readonly HistoryPoint[];
}

export interface HistoryResult {
  readonly from: number;
  readonly to: number;
  readonly resolution: Resolution;
  readonly groupBy: HistoryQuery['groupBy'];
  readonly series: readonly HistorySeries[];
}

export const eventsQuerySchema = z.object({
  from: ms.optional(),
  to: ms.optional(),
  node: z.string().min(1).max(255).optional(),
  /** event type: nodeup, nodedown, fault, lease, fencing, ownership, command, agent, control, drill */
  type: z.string().min(1).max(32).optional(),
  limit: z.coerce.number().int().min(1).max(5_000).default(500),
});
export type EventsQuery = z.output<typeof eventsQuerySchema>;
