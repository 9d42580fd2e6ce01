/**
 * Control commands the server sends to an agent, and the agent's acknowledgement. A command id is
 * the idempotency key: the agent applies an id once and answers repeats with the first result.
 */
import { z } from 'zod';
import { MAX_LINKS, nodeNameSchema } from './telemetry.ts';

/** Faults may last at most this long; the agent reverts them by itself when the time is up. */
export const MAX_FAULT_TTL_MS = 3_600_000;
export const MAX_LATENCY_MS = 60_000;
export const MAX_COMMAND_ID_CHARS = 128;

export const commandIdSchema = z.string().min(1).max(MAX_COMMAND_ID_CHARS);
const peers = z.array(nodeNameSchema).min(1).max(MAX_LINKS);
const ttlMs = z.int().min(1).max(MAX_FAULT_TTL_MS);

export const killCommandSchema = z.object({
  id: commandIdSchema,
  type: z.literal('kill'),
  args: z.object({}).optional(),
  ttlMs: ttlMs.optional(),
});

/** Blackhole the listed peers (frames and handshakes dropped silently) for `ttlMs`. */
export const partitionCommandSchema = z.object({
  id: commandIdSchema,
  type: z.literal('partition'),
  args: z.object({ peers }),
  ttlMs,
});

/**
 * Revert faults: those touching `peers` when given, every fault otherwise (including faults set
 * by other means, through `FaultControl.clear()`).
 */
export const healCommandSchema = z.object({
  id: commandIdSchema,
  type: z.literal('heal'),
  args: z.object({ peers: peers.optional() }).optional(),
  ttlMs: ttlMs.optional(),
});

/** Delay frames to the listed peers by `delayMs` ± `jitterMs` for `ttlMs`. */
export const latencyCommandSchema = z.object({
  id: commandIdSchema,
  type: z.literal('latency'),
  args: z.object({
    peers,
    delayMs: z.number().min(0).max(MAX_LATENCY_MS),
    jitterMs: z.number().min(0).max(MAX_LATENCY_MS).default(0),
  }),
  ttlMs,
});

export const controlCommandSchema = z.discriminatedUnion('type', [
  killCommandSchema,
  partitionCommandSchema,
  healCommandSchema,
  latencyCommandSchema,
]);
export type ControlCommand = z.infer<typeof controlCommandSchema>;
/** What the server may construct (defaults not yet applied). */
export type ControlCommandInput = z.input<typeof controlCommandSchema>;
export type ControlCommandType = ControlCommand['type'];
export const CONTROL_COMMAND_TYPES = ['kill', 'partition', 'heal', 'latency'] as const;

/** Stable codes of a failed command. */
export const commandErrorCodeSchema = z.enum([
  'bad_command', // failed validation; message says which field
  'unsupported', // this agent cannot do it (e.g. kill without an onKill handler)
  'fault_failed', // the runtime refused the fault
  'duplicate_conflict', // same id as an earlier command with a different body
]);
export type CommandErrorCode = z.infer<typeof commandErrorCodeSchema>;

export const commandAckSchema = z.object({
  /** the command id, or '' when the command had none */
  id: z.string().max(MAX_COMMAND_ID_CHARS),
  ok: z.boolean(),
  error: z.object({ code: commandErrorCodeSchema, message: z.string().max(1_024) }).optional(),
  /** node clock, ms since epoch */
  appliedAt: z.number().min(0),
  /** when the fault reverts by itself; null for kill and heal, and on error */
  expiresAt: z.number().min(0).nullable(),
  /** true when this is the stored answer to a repeated id */
  repeated: z.boolean().optional(),
});
export type CommandAck = z.infer<typeof commandAckSchema>;
