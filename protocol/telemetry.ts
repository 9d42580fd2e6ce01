/**
 * The per-interval snapshot an agent streams to the server: traffic per (peer, channel,
 * direction) with mergeable size sketches, link states, the node's own view, RPC latency,
 * shards, discovery, events and process figures. Every array and string has a limit so that a
 * bad message is rejected before it costs much.
 */
import { z } from 'zod';
import { MAX_SKETCH_CHARS } from './sketch.ts';

export const MAX_NAME_CHARS = 255;
export const MAX_CHANNEL_CHARS = 128;
/** (peer, channel, direction) rows in one snapshot; 64 peers × 16 channels × 2 directions */
export const MAX_FRAME_ROWS = 2_048;
export const MAX_LINKS = 1_024;
export const MAX_VIEW_NODES = 1_024;
export const MAX_SHARDS = 4_096;
export const MAX_EVENTS_PER_SNAPSHOT = 512;
export const MAX_FAULTS = 1_024;
/** the longest snapshot interval an agent may use */
export const MAX_INTERVAL_MS = 60_000;

export const nodeNameSchema = z.string().min(1).max(MAX_NAME_CHARS);
export const sketchSchema = z.string().max(MAX_SKETCH_CHARS);
const count = z.int().min(0);
const epochMs = z.number().min(0);

export const frameRowSchema = z.object({
  peer: nodeNameSchema,
  channel: z.string().min(1).max(MAX_CHANNEL_CHARS),
  direction: z.enum(['in', 'out']),
  /** frames in the interval */
  count,
  /** bytes on the wire in the interval, framing included */
  bytes: count,
  /** serialized `QuantileSketch` of frame sizes in bytes (protocol/sketch.ts) */
  sketch: sketchSchema,
});
export type FrameRow = z.infer<typeof frameRowSchema>;

export const linkRowSchema = z.object({
  peer: nodeNameSchema,
  state: z.enum(['connecting', 'up', 'down']),
  hidden: z.boolean(),
  /** when the link entered this state (ms since epoch, node clock) */
  since: epochMs,
  /** why it went down, when state is 'down' */
  reason: z.string().max(64).optional(),
});
export type LinkRow = z.infer<typeof linkRowSchema>;

export const viewSchema = z.object({
  /** visible connected nodes as this node sees them (its `nodes()`), sorted */
  nodes: z.array(nodeNameSchema).max(MAX_VIEW_NODES),
  /** hidden connected nodes */
  hidden: z.array(nodeNameSchema).max(MAX_VIEW_NODES),
});
export type NodeView = z.infer<typeof viewSchema>;

export const rpcStatsSchema = z.object({
  /** calls completed in the interval, as caller */
  count,
  errors: count,
  /** serialized `QuantileSketch` of call durations in ms */
  sketch: sketchSchema,
});
export type RpcStats = z.infer<typeof rpcStatsSchema>;

/**
 * This node's relation to a shard: `owner` holds the lease and serves writes, `acquiring` claims
 * it and waits for the lease, `handing_off` is giving it up, `observer` only reports whom it
 * believes to be the owner. Two nodes reporting `owner` for one shard is a visible conflict.
 */
export const shardRoleSchema = z.enum(['owner', 'acquiring', 'handing_off', 'observer']);
export const shardRowSchema = z.object({
  shard: z.int().min(0).max(1_000_000),
  /** the owner as this node believes it, null when unknown */
  owner: nodeNameSchema.nullable(),
  /** the fencing epoch this node knows for the shard */
  epoch: count,
  role: shardRoleSchema,
});
export type ShardRow = z.infer<typeof shardRowSchema>;

export const faultKindSchema = z.enum(['partition', 'latency']);

export const activeFaultSchema = z.object({
  /** the id of the control command that set it */
  id: z.string().min(1).max(128),
  kind: faultKindSchema,
  peers: z.array(nodeNameSchema).max(MAX_LINKS),
  delayMs: z.number().min(0).optional(),
  jitterMs: z.number().min(0).optional(),
  appliedAt: epochMs,
  expiresAt: epochMs,
});
export type ActiveFault = z.infer<typeof activeFaultSchema>;

const eventBase = {
  at: epochMs,
  /**
   * 1, 2, 3… per boot id, on every event the agent records; an event sent at once on the urgent
   * path carries the same eid as its copy in a later snapshot, so the server shows it once.
   */
  eid: z.int().min(1).optional(),
};
const detail = z.string().max(512).optional();

/** Events recorded in the node during the interval, in the order they happened. */
export const nodeEventSchema = z.discriminatedUnion('type', [
  z.object({ ...eventBase, type: z.literal('nodeup'), node: nodeNameSchema, hidden: z.boolean() }),
  z.object({
    ...eventBase,
    type: z.literal('nodedown'),
    node: nodeNameSchema,
    hidden: z.boolean(),
    reason: z.string().max(64),
  }),
  z.object({
    ...eventBase,
    type: z.literal('fault'),
    /** applied by a command, reverted by ttl, by heal, or because the server was unreachable */
    action: z.enum(['applied', 'reverted']),
    reason: z.enum(['command', 'ttl', 'heal', 'unreachable', 'detach']),
    id: z.string().max(128),
    kind: faultKindSchema,
    peers: z.array(nodeNameSchema).max(MAX_LINKS),
  }),
  z.object({
    ...eventBase,
    type: z.literal('lease'),
    action: z.enum(['acquired', 'renewed', 'lost', 'released']),
    shard: z.int().min(0),
    epoch: count,
    detail,
  }),
  z.object({
    ...eventBase,
    type: z.literal('fencing'),
    /** a write was refused because its token was stale */
    shard: z.int().min(0),
    epoch: count,
    currentEpoch: count,
    detail,
  }),
  z.object({
    ...eventBase,
    type: z.literal('ownership'),
    shard: z.int().min(0),
    from: nodeNameSchema.nullable(),
    to: nodeNameSchema.nullable(),
    epoch: count,
  }),
  z.object({
    ...eventBase,
    type: z.literal('command'),
    id: z.string().max(128),
    kind: z.string().max(32),
    ok: z.boolean(),
    detail,
  }),
]);
export type NodeEvent = z.infer<typeof nodeEventSchema>;

export const processStatsSchema = z.object({
  rssBytes: count,
  heapUsedBytes: count,
  /** p99 event-loop delay over the interval, ms */
  eventLoopDelayP99Ms: z.number().min(0),
});
export type ProcessStats = z.infer<typeof processStatsSchema>;

export const agentStatsSchema = z.object({
  /** snapshots dropped (oldest first) because the buffer was full: a declared gap */
  droppedSnapshots: count,
  /** snapshots waiting for the server's ack when this one was built */
  bufferedSnapshots: count,
  /** events that did not fit in a snapshot */
  droppedEvents: count,
  /** frames counted under `other:overflow` because there were too many distinct rows */
  overflowFrames: count,
});
export type AgentStats = z.infer<typeof agentStatsSchema>;

/** targets listed in a snapshot's discovery section (`targetCount` tells how many there are) */
export const MAX_DISCOVERY_TARGETS = 64;
/** most recent connect attempts in a snapshot's discovery section */
export const MAX_DISCOVERY_ATTEMPTS = 16;
/** keys in each counter map of the discovery section (`ignored`, `stats`) */
export const MAX_DISCOVERY_COUNTERS = 32;
/** `host:port` or `name@host:port` (a DNS name is at most 253 characters) */
export const MAX_DISCOVERY_TARGET_CHARS = 300;
export const MAX_DISCOVERY_ERROR_CHARS = 512;
export const MAX_DISCOVERY_KEY_CHARS = 64;

/** A counter name: letters, digits and `_ . : -`, as strategy stats and ignore reasons use. */
export const DISCOVERY_KEY_PATTERN = /^[A-Za-z0-9_.:-]+$/;

const discoveryTarget = z.string().min(1).max(MAX_DISCOVERY_TARGET_CHARS);
const discoveryCounters = <T extends z.ZodType<number>>(value: T) =>
  z
    .record(z.string().max(MAX_DISCOVERY_KEY_CHARS).regex(DISCOVERY_KEY_PATTERN), value)
    .refine((r) => Object.keys(r).length <= MAX_DISCOVERY_COUNTERS, {
      message: `at most ${MAX_DISCOVERY_COUNTERS} keys`,
    });

/** One connect attempt of a discovery strategy and, once known, its result. */
export const discoveryAttemptSchema = z.object({
  target: discoveryTarget,
  /** 1 for the first attempt since the last success */
  attempt: z.int().min(1),
  /** null while the attempt is in flight */
  ok: z.boolean().nullable(),
  durationMs: z.number().min(0).optional(),
  /** why it failed */
  error: z.string().max(MAX_DISCOVERY_ERROR_CHARS).optional(),
  /** when the strategy will try this target again, after a failure */
  retryInMs: z.number().min(0).optional(),
  /** when the result came (node clock), or when the attempt started while it is in flight */
  at: epochMs,
});
export type DiscoveryAttempt = z.infer<typeof discoveryAttemptSchema>;

/**
 * What the node's discovery strategy found and did, for the discovery debugger: the targets it
 * knows now, its latest connect attempts with their results, and its counters. Counts are since
 * the agent attached (including the strategy's history from before), so they only grow within
 * one boot.
 */
export const discoverySummarySchema = z.object({
  /** `static`, `gossip`, `dns` or a user strategy's name */
  strategy: z.string().min(1).max(64),
  /** targets the strategy reported last, sorted; at most `MAX_DISCOVERY_TARGETS` */
  targets: z.array(discoveryTarget).max(MAX_DISCOVERY_TARGETS),
  /** how many targets the strategy reported (more than listed when the list was cut) */
  targetCount: count,
  /** when the strategy last reported its targets (node clock), null when it has not yet */
  targetsAt: epochMs.nullable(),
  /** the latest connect attempts, oldest first */
  attempts: z.array(discoveryAttemptSchema).max(MAX_DISCOVERY_ATTEMPTS),
  /** connect results since the agent attached */
  connects: z.object({ ok: count, failed: count }),
  /** announcements ignored, by reason (`malformed`, `unauthenticated`, `stale`, `replay`) */
  ignored: discoveryCounters(count),
  /** the strategy's latest error (bind failed, name not resolved…), null when none */
  lastError: z
    .object({
      code: z.string().min(1).max(MAX_DISCOVERY_KEY_CHARS),
      message: z.string().max(MAX_DISCOVERY_ERROR_CHARS),
      at: epochMs,
    })
    .nullable(),
  /** the strategy's own counters (`stats()`), e.g. gossip's `announcements_received` */
  stats: discoveryCounters(z.number().finite()),
});
export type DiscoverySummary = z.infer<typeof discoverySummarySchema>;

/** most names in each list of a BEAM node's stats (registered, global names, pg groups) */
export const MAX_BEAM_NAMES = 512;
const beamName = z.string().min(1).max(MAX_NAME_CHARS);

/**
 * What the observatory reads from a BEAM node over `rex` (no agent inside the node): memory,
 * process and port counts, scheduler load, names and `pg` groups. Sent only for BEAM nodes.
 */
export const beamStatsSchema = z.object({
  /** `erlang:system_info(otp_release)`, e.g. `25` */
  otpRelease: z.string().min(1).max(32),
  /** `erlang:memory()` in bytes */
  memory: z.object({
    total: count,
    processes: count,
    system: count,
    atom: count,
    binary: count,
    code: count,
    ets: count,
  }),
  processCount: count,
  portCount: count,
  /** `erlang:statistics(run_queue)` at the poll */
  runQueue: count,
  /** reductions executed during the interval (`erlang:statistics(reductions)`) */
  reductions: count,
  /** `registered()`, sorted */
  registered: z.array(beamName).max(MAX_BEAM_NAMES),
  /** `global:registered_names()`, each name in Erlang term syntax, sorted */
  globalNames: z.array(beamName).max(MAX_BEAM_NAMES),
  /** the groups of the observed `pg` scope (term syntax) with their member counts */
  pgGroups: z.array(z.object({ group: beamName, members: count })).max(MAX_BEAM_NAMES),
});
export type BeamStats = z.infer<typeof beamStatsSchema>;

/** What kind of runtime a node is: a TypeScript node (`node`) or a BEAM node (`beam`). */
export const runtimeSchema = z.enum(['node', 'beam']);
export type Runtime = z.infer<typeof runtimeSchema>;

export const snapshotSchema = z.object({
  node: nodeNameSchema,
  bootId: z.string().min(1).max(64),
  /** 1, 2, 3… per boot id, no gaps unless `agent.droppedSnapshots` says so */
  seq: z.int().min(1),
  /** start of the interval, whole seconds since epoch */
  t: z.int().min(0),
  /** length of the interval, normally 1000 */
  intervalMs: z.int().min(1).max(MAX_INTERVAL_MS),
  frames: z.array(frameRowSchema).max(MAX_FRAME_ROWS),
  links: z.array(linkRowSchema).max(MAX_LINKS),
  view: viewSchema,
  rpc: rpcStatsSchema,
  /** present only when the node has a shard provider */
  shards: z.array(shardRowSchema).max(MAX_SHARDS).optional(),
  /** present only when the node runs discovery and its agent was given it */
  discovery: discoverySummarySchema.optional(),
  /** faults this agent holds in force at the end of the interval */
  faults: z.array(activeFaultSchema).max(MAX_FAULTS),
  events: z.array(nodeEventSchema).max(MAX_EVENTS_PER_SNAPSHOT),
  /**
   * the highest event eid the agent had assigned when it built this snapshot: every event up to
   * it is in this snapshot or an earlier one (or was dropped), so an urgent event above it is
   * newer than this snapshot's state
   */
  eventsThrough: z.int().min(0).optional(),
  process: processStatsSchema,
  agent: agentStatsSchema,
  /** the node's runtime; absent means `node` (agents older than this field) */
  runtime: runtimeSchema.optional(),
  /** present only for BEAM nodes, read over `rex` by the observatory */
  beam: beamStatsSchema.optional(),
});
export type Snapshot = z.infer<typeof snapshotSchema>;
