/**
 * The `/agent` socket.io namespace: how an agent authenticates, how snapshots are delivered and
 * acknowledged, and how control commands reach it.
 *
 * Delivery, in order:
 * 1. The agent connects with `AgentHello` as the socket.io `auth` payload. The server validates it
 *    (`agentHelloSchema`; `token` must be the credential the server derives for `node`, compared
 *    in constant time, so an agent reports for its own node only) and rejects bad ones in its middleware
 *    with an `Error` whose `data` is `AgentConnectErrorData`.
 * 2. The server emits `welcome` with the highest seq it has stored for (node, bootId) (null if
 *    none). The agent drops buffered snapshots up to it and only then starts sending.
 * 3. The agent emits `snapshots` with a batch (oldest first, seqs strictly increasing, at most
 *    `MAX_SNAPSHOT_BATCH`) and one batch in flight at a time. The server validates, stores, dedupes
 *    by (node, bootId, seq) and answers through the socket.io ack callback with the highest seq
 *    now stored (cumulative). The agent drops everything up to it; anything unacknowledged is
 *    sent again after a reconnect or an ack timeout, so the server must accept repeats silently.
 * 4. The server emits `command`; the agent answers through the ack callback with a `CommandAck`.
 * 5. Membership and fault events also go out at once as `urgent` (no ack, not buffered: sent only
 *    while connected and welcomed). The snapshot that follows carries the same event with the
 *    same `eid` and stays the source of truth for history; the server applies the urgent copy to
 *    the live model and `/ui` only, and does not show the snapshot copy again.
 */
import { z } from 'zod';
import type { CommandAck, ControlCommandInput } from './control.ts';
import { CONTROL_COMMAND_TYPES } from './control.ts';
import type { Snapshot } from './telemetry.ts';
import {
  activeFaultSchema,
  MAX_FAULTS,
  MAX_INTERVAL_MS,
  nodeEventSchema,
  nodeNameSchema,
} from './telemetry.ts';

export { AGENT_NAMESPACE, SOCKET_IO_PATH } from './constants.ts';
export const AGENT_PROTOCOL_VERSION = 1;
/** most snapshots in one `snapshots` emit */
export const MAX_SNAPSHOT_BATCH = 60;
/**
 * The agent keeps one batch under this many bytes (its estimate runs above the real JSON size),
 * so batches fit socket.io's default `maxHttpBufferSize` (1e6) with room to spare. A message
 * over that limit makes socket.io drop the connection, and the agent would resend it forever.
 */
export const MAX_SNAPSHOT_BATCH_BYTES = 500_000;
/** a safe `maxHttpBufferSize` for the server (one snapshot at the row limits can exceed 1e6) */
export const AGENT_MAX_HTTP_BUFFER_BYTES = 4_000_000;

export const agentCapabilitySchema = z.enum([...CONTROL_COMMAND_TYPES, 'shards']);
export type AgentCapability = z.infer<typeof agentCapabilitySchema>;

export const agentHelloSchema = z.object({
  /** this node's agent credential: HMAC of `node` under the observatory's agent secret */
  token: z.string().min(1).max(512),
  protocol: z.literal(AGENT_PROTOCOL_VERSION),
  node: nodeNameSchema,
  /** random per agent start; a restarted node has a new one and its seqs start at 1 again */
  bootId: z.string().min(1).max(64),
  hidden: z.boolean(),
  /** where the node listens for other nodes, `host:port` */
  address: z.string().max(300),
  intervalMs: z.int().min(1).max(MAX_INTERVAL_MS),
  capabilities: z.array(agentCapabilitySchema).max(16),
  /** node clock at connect, for the server to estimate skew */
  now: z.number().min(0),
});
export type AgentHello = z.infer<typeof agentHelloSchema>;

export const welcomeSchema = z.object({
  /** highest seq stored for this (node, bootId), or null when none */
  ackedSeq: z.int().min(0).nullable(),
  serverTime: z.number().min(0),
});
export type Welcome = z.infer<typeof welcomeSchema>;

export const snapshotAckSchema = z.union([
  z.object({
    ok: z.literal(true),
    /** highest seq stored for the sender's bootId; cumulative */
    ackedSeq: z.int().min(0),
  }),
  z.object({
    ok: z.literal(false),
    /** highest seq stored, when known, so the agent can still drop those */
    ackedSeq: z.int().min(0).nullable(),
    error: z.object({
      code: z.enum(['invalid', 'unavailable', 'unauthorized']),
      message: z.string().max(1_024),
    }),
  }),
]);
export type SnapshotAck = z.infer<typeof snapshotAckSchema>;

/** Node event types an agent sends at once on the urgent path. */
export const URGENT_EVENT_TYPES = ['nodeup', 'nodedown', 'fault'] as const;

export const urgentEventSchema = z.object({
  node: nodeNameSchema,
  bootId: z.string().min(1).max(64),
  /** the event, with its `eid` (required here: it is what dedupes the snapshot copy) */
  event: nodeEventSchema.refine(
    (e) => e.eid !== undefined && (URGENT_EVENT_TYPES as readonly string[]).includes(e.type),
    { message: 'an urgent event is a nodeup, nodedown or fault event with an eid' },
  ),
  /** the faults the agent holds right after a fault event, so the model shows them at once */
  faults: z.array(activeFaultSchema).max(MAX_FAULTS).optional(),
});
export type UrgentEvent = z.infer<typeof urgentEventSchema>;

/** `err.data` of a refused connection (socket.io `connect_error`). */
export interface AgentConnectErrorData {
  readonly code: 'unauthorized' | 'bad_hello' | 'unavailable';
  readonly message: string;
}

/** Events the agent emits (server listens). */
export interface AgentToServerEvents {
  snapshots: (batch: Snapshot[], ack: (result: SnapshotAck) => void) => void;
  /** a membership or fault event, sent the moment it happens (see step 5 above) */
  urgent: (event: UrgentEvent) => void;
}

/**
 * Events the server emits (agent listens). The agent validates commands itself
 * (`controlCommandSchema`) and answers malformed ones with a `bad_command` ack.
 */
export interface ServerToAgentEvents {
  welcome: (welcome: Welcome) => void;
  command: (command: ControlCommandInput, ack: (result: CommandAck) => void) => void;
}

/** What the server keeps on `socket.data` after authentication. */
export interface AgentSocketData {
  node: string;
  bootId: string;
  hidden: boolean;
}
