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

/**
 * Negative controls: switches that break the system (not the checker), so that the drill they
 * target must fail (docs/drills.md, "Negative controls"). `no-store-fence`: the store accepts a
 * write whatever its epoch; `no-lease`: every node acts as owner without a majority lease.
 */
export const UNSAFE_SWITCHES = ['no-store-fence', 'no-lease'] as const;
export type UnsafeSwitch = (typeof UNSAFE_SWITCHES)[number];

/**
 * Each negative control with the one drill measured to defeat it: any other combination is
 * refused (CLI and API alike) rather than claimed to be caught.
 */
export const DEFEATED_BY: Readonly<Record<UnsafeSwitch, DrillKind>> = {
  'no-store-fence': 'pause',
  'no-lease': 'split-brain',
};

/** Why `unsafe` may not run with `kind`, or null when it may. */
export function unsafeRefusal(kind: DrillKind, unsafe: UnsafeSwitch): string | null {
  const right = DEFEATED_BY[unsafe];
  return kind === right ? null : `unsafe '${unsafe}' is a negative control for '${right}' only`;
}

const drillNodesMessage = 'nodes must be an integer from 3 to 9';
/** `POST /api/drills` */
export const drillRequestSchema = z
  .strictObject({
    kind: z.enum(DRILL_KINDS, {
      message: `kind must be one of ${DRILL_KINDS.map((k) => `'${k}'`).join(', ')}`,
    }),
    nodes: z
      .number({ message: drillNodesMessage })
      .int({ message: drillNodesMessage })
      .min(3, { message: drillNodesMessage })
      .max(9, { message: drillNodesMessage })
      .optional(),
    /** a negative control: the drill breaks the system on purpose and must fail */
    unsafe: z
      .enum(UNSAFE_SWITCHES, {
        message: `unsafe must be one of ${UNSAFE_SWITCHES.map((u) => `'${u}'`).join(', ')}`,
      })
      .optional(),
  })
  .superRefine((r, ctx) => {
    const refusal = r.unsafe === undefined ? null : unsafeRefusal(r.kind, r.unsafe);
    if (refusal !== null) ctx.addIssue({ code: 'custom', path: ['unsafe'], message: refusal });
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
  /** a negative control run: expected to fail */
  unsafe: z.enum(UNSAFE_SWITCHES).optional(),
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

// ---- GET /api/drills/:id (the run's page) and /api/drills/:id/history ----------------------------
// The run, its kept history file and the history as a timeline: client operations from invoke to
// completion, nemesis events and the fault intervals they bound, the operations of the checker's
// failing windows marked. Times are ms since the run's start (the history's monotonic ns / 1e6).

/** Operations a timeline carries at most; beyond it `ok` operations are sampled (see `note`). */
export const MAX_TIMELINE_OPS = 5_000;
/** Nemesis events a timeline carries at most (a flapping partition makes many). */
export const MAX_TIMELINE_NEMESIS = 1_000;

/** A drill id: the server names runs by UUID, and the history file by the id. */
export const drillIdSchema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, {
    message: 'a drill id is a UUID',
  });

/** One client operation: its invoke and how it ended. */
export const timelineOpSchema = z.object({
  /** the history's `index` of the invoke line */
  index: z.int().nonnegative(),
  process: z.int().nonnegative(),
  /** `info` is open-ended (it may have happened at any point after its invoke, or never) */
  type: z.enum(['ok', 'fail', 'info']),
  f: z.string(),
  key: z.union([z.string(), z.number()]).nullable(),
  /** the invoke's value, or for a read the value read */
  value: z.unknown(),
  invokeMs: z.number(),
  /** null: still pending when the history ended (counts as `info`) */
  completeMs: z.number().nullable(),
  /** part of a failing window of the checker */
  window: z.boolean().optional(),
});

/** A nemesis event (`"process": "nemesis"`): a phase of the drill. */
export const timelineEventSchema = z.object({
  f: z.string(),
  atMs: z.number(),
  value: z.unknown().optional(),
});

/** A fault from the event that caused it to the one that ended it (`endMs` null: never ended). */
export const timelineIntervalSchema = z.object({
  f: z.string(),
  startMs: z.number(),
  endMs: z.number().nullable(),
  /** the event that ended it, e.g. `heal` */
  until: z.string().nullable(),
});

export const drillTimelineSchema = z.object({
  /** logical client processes, one lane each, ascending */
  processes: z.array(z.int().nonnegative()),
  ops: z.array(timelineOpSchema),
  nemesis: z.array(timelineEventSchema),
  intervals: z.array(timelineIntervalSchema),
  /** the last time in the history */
  endMs: z.number(),
  /** operations in the history, and in `ops` */
  totalOps: z.int().nonnegative(),
  shownOps: z.int().nonnegative(),
  /** lines that could not be read as history events (the file is ours, so normally 0) */
  skippedLines: z.int().nonnegative(),
  /** why `ops` holds fewer than `totalOps` */
  note: z.string().optional(),
});

/** The run's kept history file. */
export const drillHistoryFileSchema = z.object({
  bytes: z.int().nonnegative(),
  /** `GET` it for the JSON-lines file as a download */
  url: z.string(),
});

/** `GET /api/drills/:id`: the run (as `GET /api/drills` lists it) with its history and timeline. */
export const drillViewSchema = drillRecordSchema.extend({
  /** null: no history kept (still running, ended before writing it, or deleted) */
  historyFile: drillHistoryFileSchema.nullable(),
  timeline: drillTimelineSchema.nullable(),
  /** why there is no timeline */
  timelineNote: z.string().optional(),
});

export type TimelineOp = z.infer<typeof timelineOpSchema>;
export type TimelineEvent = z.infer<typeof timelineEventSchema>;
export type TimelineInterval = z.infer<typeof timelineIntervalSchema>;
export type DrillTimeline = z.infer<typeof drillTimelineSchema>;
export type DrillHistoryFile = z.infer<typeof drillHistoryFileSchema>;
export type DrillView = z.infer<typeof drillViewSchema>;

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
