/**
 * The observatory's HTTP API as a contract: zod schemas, with the types derived from them, for
 * every request the server parses and every JSON answer a client reads. The server validates
 * with them, the dashboard, the CLI and the e2e fixtures parse answers with them, so a change
 * to one side fails the other's typecheck instead of showing up as "no data" in a browser.
 * The model bodies (`GET /api/cluster`, `GET /api/traffic`, `GET /api/events`) are the `/ui`
 * push types of `model.ts`, served as they are pushed; their schemas here are checked against
 * those types by the compiler, so the two cannot drift apart.
 */
import { z } from 'zod';
import { MAX_FAULT_TTL_MS, MAX_LATENCY_MS } from './control.ts';
import type {
  ClusterModel,
  ModelEvent,
  ModelFault,
  ModelLink,
  ModelNode,
  ModelShard,
  TrafficModel,
} from './model.ts';
import {
  beamStatsSchema,
  discoverySummarySchema,
  nodeEventSchema,
  nodeNameSchema,
  processStatsSchema,
  runtimeSchema,
  viewSchema,
} from './telemetry.ts';

export * from './http-drills.ts';

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

// ---- GET /api/cluster, GET /api/traffic, GET /api/events: the live model --------------------

const modelNodeSchema: z.ZodType<ModelNode> = z.object({
  name: z.string(),
  address: z.string().nullable(),
  hidden: z.boolean(),
  status: z.enum(['up', 'down', 'unknown']),
  bootId: z.string().nullable(),
  lastSeen: z.number().nullable(),
  since: z.number(),
  view: viewSchema.nullable(),
  capabilities: z.array(z.string()).readonly(),
  process: processStatsSchema.nullable(),
  shardsOwned: z.number(),
  discovery: discoverySummarySchema.nullable(),
  runtime: runtimeSchema.optional(),
  beam: beamStatsSchema.nullable().optional(),
});

const linkEndSchema = z.enum(['connecting', 'up', 'down', 'missing']);
const modelLinkSchema: z.ZodType<ModelLink> = z.object({
  a: z.string(),
  b: z.string(),
  state: z.enum(['up', 'down', 'asymmetric', 'unknown']),
  ends: z.object({ a: linkEndSchema, b: linkEndSchema }),
  blackholed: z.boolean(),
  delayed: z.boolean(),
  hidden: z.boolean(),
});

const modelShardSchema: z.ZodType<ModelShard> = z.object({
  shard: z.number(),
  owner: z.string().nullable(),
  epoch: z.number(),
  claimants: z
    .array(
      z.object({
        node: z.string(),
        role: z.enum(['owner', 'acquiring', 'handing_off']),
        epoch: z.number(),
      }),
    )
    .readonly(),
  conflict: z.boolean(),
  handoff: z.boolean(),
});

const modelFaultSchema: z.ZodType<ModelFault> = z.object({
  id: z.string(),
  node: z.string(),
  kind: z.enum(['partition', 'latency']),
  peers: z.array(z.string()).readonly(),
  delayMs: z.number().optional(),
  jitterMs: z.number().optional(),
  appliedAt: z.number(),
  expiresAt: z.number(),
  timeLeftMs: z.number(),
});

/** `GET /api/cluster`, and the `/ui` `model` push. */
export const clusterModelSchema: z.ZodType<ClusterModel> = z.object({
  at: z.number(),
  version: z.number(),
  nodes: z.array(modelNodeSchema).readonly(),
  links: z.array(modelLinkSchema).readonly(),
  sides: z.array(z.array(z.string()).readonly()).readonly(),
  partitioned: z.boolean(),
  shards: z.array(modelShardSchema).readonly(),
  faults: z.array(modelFaultSchema).readonly(),
});

/** `GET /api/traffic`, and the `/ui` `traffic` push. */
export const trafficModelSchema: z.ZodType<TrafficModel> = z.object({
  at: z.number(),
  windowMs: z.number(),
  rows: z
    .array(
      z.object({
        from: z.string(),
        to: z.string(),
        channel: z.string(),
        msgPerSec: z.number(),
        bytesPerSec: z.number(),
        p50: z.number().nullable(),
        p95: z.number().nullable(),
        p99: z.number().nullable(),
      }),
    )
    .readonly(),
});

const serverEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('agent'),
    at: z.number(),
    action: z.enum(['connected', 'disconnected']),
    bootId: z.string(),
    reason: z.string().optional(),
  }),
  z.object({
    type: z.literal('control'),
    at: z.number(),
    id: z.string(),
    action: z.string(),
    ok: z.boolean(),
    detail: z.string().optional(),
  }),
  z.object({
    type: z.literal('drill'),
    at: z.number(),
    id: z.string(),
    action: z.string(),
    detail: z.string().optional(),
  }),
]);

const modelEventSchema: z.ZodType<ModelEvent> = z.object({
  id: z.number(),
  at: z.number(),
  node: z.string(),
  source: z.enum(['node', 'server']),
  event: z.union([nodeEventSchema, serverEventSchema]),
});

/** `GET /api/events` */
export const eventsAnswerSchema = z.object({ events: z.array(modelEventSchema) });
export type EventsAnswer = z.infer<typeof eventsAnswerSchema>;
