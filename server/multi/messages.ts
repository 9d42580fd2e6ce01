/**
 * What observatory servers tell each other through the socket.io PostgreSQL adapter, as zod
 * schemas: every message is validated on arrival like any other input (a peer is another
 * process, and NOTIFY is open to any client of the database).
 *
 * - `journal`: one server's live changes in order (`seq` 1, 2, 3… per server boot): its agents'
 *   connections, accepted snapshots, urgent events, timeline events, and a heartbeat listing the
 *   agents it holds. Peers replay them on their own live model.
 * - `command`: a control command for a node whose agent is held by the `target` server, sent by
 *   the server that received (and authorised and audited) the HTTP request; every server
 *   answers, only the target acts.
 */
import { z } from 'zod';
import { agentHelloSchema } from '../../protocol/agent.ts';
import { commandAckSchema, controlCommandSchema } from '../../protocol/control.ts';
import {
  activeFaultSchema,
  nodeEventSchema,
  nodeNameSchema,
  snapshotSchema,
} from '../../protocol/telemetry.ts';

export const JOURNAL_EVENT = 'observatory:journal';
export const COMMAND_EVENT = 'observatory:command';

const serverId = z.string().min(1).max(64);
const bootId = z.string().min(1).max(64);

/** An agent's hello without its credential: the credential never leaves the server it proved to. */
export const peerHelloSchema = agentHelloSchema.omit({ token: true });
export type PeerHello = z.infer<typeof peerHelloSchema>;

// Timeline events are shown as they are; the page renders each kind it knows.
const modelEventSchema = z.object({
  id: z.number(),
  at: z.number(),
  node: z.string().max(255),
  source: z.enum(['node', 'server']),
  event: z.looseObject({ type: z.string().max(64), at: z.number() }),
});

export const journalEntrySchema = z.discriminatedUnion('k', [
  z.object({ k: z.literal('connected'), hello: peerHelloSchema }),
  z.object({ k: z.literal('disconnected'), node: nodeNameSchema, bootId }),
  z.object({ k: z.literal('snapshot'), s: snapshotSchema }),
  z.object({
    k: z.literal('urgent'),
    node: nodeNameSchema,
    bootId,
    event: nodeEventSchema,
    faults: z.array(activeFaultSchema).max(1_024).optional(),
  }),
  z.object({ k: z.literal('drop'), node: nodeNameSchema }),
  z.object({ k: z.literal('events'), events: z.array(modelEventSchema).max(10_000) }),
  z.object({ k: z.literal('agents'), agents: z.array(peerHelloSchema).max(100_000) }),
  z.object({ k: z.literal('bye') }),
]);
export type JournalEntry = z.infer<typeof journalEntrySchema>;

export const journalBatchSchema = z.object({
  server: serverId,
  seq: z.int().min(1),
  entries: z.array(journalEntrySchema).max(100_000),
});
export type JournalBatch = z.infer<typeof journalBatchSchema>;

export const commandRequestSchema = z.object({
  /** the server holding the agent: the only one that acts */
  target: serverId,
  /** the server that received the HTTP request */
  from: serverId,
  node: nodeNameSchema,
  bootId,
  command: controlCommandSchema,
  timeoutMs: z.int().min(1).max(60_000),
});
export type CommandRequest = z.infer<typeof commandRequestSchema>;

export const commandResponseSchema = z.union([
  z.object({ server: serverId, handled: z.literal(false) }),
  z.object({ server: serverId, handled: z.literal(true), ack: commandAckSchema }),
  z.object({ server: serverId, handled: z.literal(true), error: z.string().max(1_024) }),
]);
export type CommandResponse = z.infer<typeof commandResponseSchema>;
