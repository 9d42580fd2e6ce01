/**
 * The bodies of `POST /api/control/*`, validated with zod, and the checks that need the live
 * model (known nodes, sides that are neither empty nor overlapping).
 */
import { z } from 'zod';
import { MAX_FAULT_TTL_MS, MAX_LATENCY_MS } from '../../protocol/control.ts';
import { nodeNameSchema } from '../../protocol/telemetry.ts';

/** A fault lasts this long when the request names no ttl. */
export const DEFAULT_FAULT_TTL_MS = 60_000;
/** How long the server waits for an agent's ack of a command. */
export const COMMAND_TIMEOUT_MS = 5_000;

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
