/**
 * The observatory's HTTP API as a contract: zod schemas, with the types derived from them, for
 * every request the server parses and every JSON answer a client reads. The server validates
 * with them, the dashboard, the CLI and the e2e fixtures parse answers with them, so a change
 * to one side fails the other's typecheck instead of showing up as "no data" in a browser.
 * The model bodies (`GET /api/cluster`, `GET /api/traffic`) are the `/ui` push types of
 * `model.ts`, served as they are pushed.
 */
import { z } from 'zod';
import { MAX_FAULT_TTL_MS, MAX_LATENCY_MS } from './control.ts';
import { nodeNameSchema } from './telemetry.ts';

// ---- errors ---------------------------------------------------------------------------------

/** Every refusal: `{ error: { code, message } }` with a stable code. */
export const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

// ---- GET /api/health ------------------------------------------------------------------------

export const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  bootId: z.string(),
  version: z.string(),
  uptimeMs: z.number(),
  database: z.object({ provider: z.enum(['sqlite', 'postgresql']), ok: z.boolean() }),
});
export type Health = z.infer<typeof healthSchema>;

// ---- GET /api/history, GET /api/events --------------------------------------------------------

const ms = z.coerce
  .number({ message: 'must be a time in ms since epoch' })
  .int({ message: 'must be a time in ms since epoch' })
  .min(0);

/** Resolutions kept by the store, in seconds. */
export const RESOLUTIONS_S = [1, 10, 60] as const;
export type Resolution = (typeof RESOLUTIONS_S)[number];

export const HISTORY_GROUPS = ['total', 'node', 'link', 'channel'] as const;
export type HistoryGroupBy = (typeof HISTORY_GROUPS)[number];

export const historyQuerySchema = z
  .object({
    /** default: `to` minus 5 minutes */
    from: ms.optional(),
    /** default: now */
    to: ms.optional(),
    /** seconds per point; `auto` picks the finest kept for the whole range */
    resolution: z.enum(['auto', '1', '10', '60']).default('auto'),
    /** one series per sending node, per directed link, per channel, or one for everything */
    groupBy: z.enum(HISTORY_GROUPS).default('channel'),
    node: z.string().min(1).max(255).optional(),
    peer: z.string().min(1).max(255).optional(),
    channel: z.string().min(1).max(128).optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, {
    message: 'from must be before to',
    path: ['from'],
  });
export type HistoryQuery = z.output<typeof historyQuerySchema>;

export const historyPointSchema = z.object({
  /** start of the bucket, ms since epoch */
  t: z.number(),
  msgPerSec: z.number(),
  bytesPerSec: z.number(),
  /** frame size percentiles from merged sketches, null when no frames */
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
});
export type HistoryPoint = Readonly<z.infer<typeof historyPointSchema>>;

export const historySeriesSchema = z.object({
  /** `total`, the node, `from→to`, or the channel */
  key: z.string(),
  points: z.array(historyPointSchema).readonly(),
});
export type HistorySeries = Readonly<z.infer<typeof historySeriesSchema>>;

export const historyResultSchema = z.object({
  from: z.number(),
  to: z.number(),
  resolution: z.union([z.literal(1), z.literal(10), z.literal(60)]),
  groupBy: z.enum(HISTORY_GROUPS),
  series: z.array(historySeriesSchema).readonly(),
});
export type HistoryResult = Readonly<z.infer<typeof historyResultSchema>>;

export const eventsQuerySchema = z.object({
  from: ms.optional(),
  to: ms.optional(),
  node: z.string().min(1).max(255).optional(),
  /** event type: nodeup, nodedown, fault, lease, fencing, ownership, command, agent, control, drill */
  type: z.string().min(1).max(32).optional(),
  limit: z.coerce.number().int().min(1).max(5_000).default(500),
});
export type EventsQuery = z.output<typeof eventsQuerySchema>;

// ---- /api/session -----------------------------------------------------------------------------

/** The answer of `GET|POST|DELETE /api/session`. */
export const sessionSchema = z.object({ signedIn: z.boolean() });
export type Session = z.infer<typeof sessionSchema>;

// ---- /api/drills ------------------------------------------------------------------------------

/** The drills the CLI knows (cli/drill/kinds.ts takes its list from here). */
export const DRILL_KINDS = [
  'node-loss',
  'split-brain',
  'pause',
  'isolate',
  'bridge',
  'flap',
  'clock-jump',
  'random',
] as const;
export type DrillKind = (typeof DRILL_KINDS)[number];

/** `interrupted`: the server stopped (shut down, crashed or was killed) while the drill ran. */
export const DRILL_STATUSES = ['running', 'passed', 'failed', 'interrupted'] as const;
export type DrillStatus = (typeof DRILL_STATUSES)[number];

const drillNodesMessage = 'nodes must be an integer from 3 to 9';
/** `POST /api/drills` */
export const drillRequestSchema = z.strictObject({
  kind: z.enum(DRILL_KINDS, {
    message: `kind must be one of ${DRILL_KINDS.map((k) => `'${k}'`).join(', ')}`,
  }),
  nodes: z
    .number({ message: drillNodesMessage })
    .int({ message: drillNodesMessage })
    .min(3, { message: drillNodesMessage })
    .max(9, { message: drillNodesMessage })
    .optional(),
});
export type DrillRequest = z.infer<typeof drillRequestSchema>;

/** One progress line of the CLI: `{drill, phase, at, elapsedMs, attempted, acked, …}`. */
export const drillProgressSchema = z.looseObject({
  phase: z.string(),
  at: z.number(),
  tick: z.boolean().optional(),
});
export type DrillProgress = z.infer<typeof drillProgressSchema>;

/** The drill's JSON report (cli/drill/report.ts); only `verdict` is relied on. */
export const drillReportSchema = z.looseObject({
  verdict: z.string(),
  summary: z.string().optional(),
  passed: z.boolean().optional(),
});
export type DrillReport = z.infer<typeof drillReportSchema>;

/** One drill as `GET /api/drills` and `GET /api/drills/<id>` show it. */
export const drillRecordSchema = z.object({
  id: z.string(),
  kind: z.enum(DRILL_KINDS),
  nodes: z.number().optional(),
  status: z.enum(DRILL_STATUSES),
  startedAt: z.number(),
  finishedAt: z.number().optional(),
  /** the current phase in words, e.g. "partition · 462 writes, 456 acked" (what the page shows) */
  progress: z.string().optional(),
  /** the last progress line of the CLI, as it printed it */
  lastProgress: drillProgressSchema.optional(),
  report: drillReportSchema.optional(),
  error: z.string().optional(),
});
export type DrillRecord = Readonly<z.infer<typeof drillRecordSchema>>;

/** `GET /api/drills` */
export const drillListSchema = z.object({ drills: z.array(drillRecordSchema) });
export type DrillList = z.infer<typeof drillListSchema>;

// ---- POST /api/control/{kill,restart,partition,heal,latency} ----------------------------------

/** A fault lasts this long when the request names no ttl. */
export const DEFAULT_FAULT_TTL_MS = 60_000;
const ttlMs = z
  .int({ message: 'ttlMs must be an integer number of milliseconds' })
  .min(1_000, { message: 'ttlMs must be at least 1000 ms' })
  .max(MAX_FAULT_TTL_MS, { message: `ttlMs must be at most ${MAX_FAULT_TTL_MS} ms (one hour)` })
  .default(DEFAULT_FAULT_TTL_MS);
const nodes = z.array(nodeNameSchema).max(1_024);

export const killRequestSchema = z.strictObject({ node: nodeNameSchema });
export const restartRequestSchema = z.strictObject({ node: nodeNameSchema });

export const partitionRequestSchema = z.strictObject({
  /** two or more groups of nodes; each node is cut off from every node of the other groups */
  sides: z
    .array(nodes.min(1, { message: 'a side must not be empty' }), {
      message: 'sides must be an array of arrays of node names',
    })
    .min(2, { message: 'a partition needs at least two sides' })
    .max(64),
  ttlMs,
});

export const healRequestSchema = z
  .strictObject({
    /** heal only these nodes' faults; default every connected node */
    nodes: nodes.min(1).optional(),
  })
  .default({});

export const latencyRequestSchema = z.strictObject({
  node: nodeNameSchema,
  /** default: every other node */
  peers: nodes.min(1).optional(),
  delayMs: z.number().min(0).max(MAX_LATENCY_MS),
  jitterMs: z.number().min(0).max(MAX_LATENCY_MS).default(0),
  ttlMs,
});

export type KillRequest = z.output<typeof killRequestSchema>;
export type RestartRequest = z.output<typeof restartRequestSchema>;
export type PartitionRequest = z.output<typeof partitionRequestSchema>;
export type HealRequest = z.output<typeof healRequestSchema>;
export type LatencyRequest = z.output<typeof latencyRequestSchema>;

export const CONTROL_ACTIONS = ['kill', 'restart', 'partition', 'heal', 'latency'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

/** One node's part of a control action. */
export const nodeResultSchema = z.object({
  node: z.string(),
  ok: z.boolean(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  /** when the fault reverts by itself (node clock), null for kill, heal, restart */
  expiresAt: z.number().nullable(),
});
export type NodeResult = Readonly<z.infer<typeof nodeResultSchema>>;

/** The answer to a control request (200 when every node complied, 502 when one did not). */
export const controlResultSchema = z.object({
  id: z.string(),
  action: z.enum(CONTROL_ACTIONS),
  /** true when every targeted node acknowledged success */
  ok: z.boolean(),
  results: z.array(nodeResultSchema).readonly(),
});
export type ControlResult = Readonly<z.infer<typeof controlResultSchema>>;
