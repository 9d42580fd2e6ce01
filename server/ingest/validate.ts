/**
 * Validation of what agents send, at the boundary: a hello in the handshake and snapshot batches.
 * Pure functions returning reasons, so a bad message is refused with a message and counted,
 * never thrown into socket.io.
 */
import { sameSecret } from '../same-secret.ts';
import {
  agentHelloSchema,
  MAX_SNAPSHOT_BATCH,
  urgentEventSchema,
  type AgentHello,
  type UrgentEvent,
} from '../../protocol/agent.ts';
import { nodeNameSchema, snapshotSchema, type Snapshot } from '../../protocol/telemetry.ts';
import { agentCredential } from './credentials.ts';
import { parseFrames } from './frames.ts';

// Frames are checked by the hand-written `parseFrames` (same rules, far cheaper); zod checks the rest.
const snapshotWithoutFrames = snapshotSchema.omit({ frames: true });

/** Stable reasons a message is rejected; also the `reason` label of the rejection counter. */
export type RejectReason =
  | 'unauthorized'
  | 'bad_hello'
  | 'not_a_batch'
  | 'batch_too_large'
  | 'bad_snapshot'
  | 'wrong_sender'
  | 'seq_order'
  | 'bad_urgent';

export type HelloCheck =
  | { readonly ok: true; readonly hello: AgentHello }
  | { readonly ok: false; readonly reason: 'unauthorized' | 'bad_hello'; readonly message: string };

/** What a refused agent is told: no hint of which part was wrong. */
export const AGENT_UNAUTHORIZED_MESSAGE =
  "agent credential missing or invalid (each node presents its own, derived from the observatory's agent secret)";

/**
 * Checks the handshake `auth` payload: the credential first, against the one derived for the
 * node the hello names (so nothing leaks to a stranger, and a credential reports only for its
 * own node), then the shape.
 */
export function checkHello(auth: unknown, agentSecret: string): HelloCheck {
  const claimed = auth as { token?: unknown; node?: unknown } | null;
  const node = nodeNameSchema.safeParse(claimed?.node);
  if (!node.success || !sameSecret(claimed?.token, agentCredential(agentSecret, node.data))) {
    return { ok: false, reason: 'unauthorized', message: AGENT_UNAUTHORIZED_MESSAGE };
  }
  const parsed = agentHelloSchema.safeParse(auth);
  if (!parsed.success) {
    return { ok: false, reason: 'bad_hello', message: summarize(parsed.error.issues) };
  }
  return { ok: true, hello: parsed.data };
}

export interface BatchCheck {
  /** valid snapshots from this sender, seqs strictly increasing */
  readonly valid: Snapshot[];
  /** the first problem found, when any snapshot (or the batch itself) was refused */
  readonly rejected?: {
    readonly reason: RejectReason;
    readonly message: string;
    readonly count: number;
  };
}

/**
 * Checks a `snapshots` batch from the agent of (node, bootId). Valid snapshots are kept even when
 * others in the batch are refused, so one bad snapshot does not cost its neighbours.
 */
export function checkBatch(batch: unknown, node: string, bootId: string): BatchCheck {
  if (!Array.isArray(batch)) {
    return {
      valid: [],
      rejected: { reason: 'not_a_batch', message: 'snapshots must be an array', count: 1 },
    };
  }
  if (batch.length > MAX_SNAPSHOT_BATCH) {
    return {
      valid: [],
      rejected: {
        reason: 'batch_too_large',
        message: `at most ${MAX_SNAPSHOT_BATCH} snapshots per batch, got ${batch.length}`,
        count: batch.length,
      },
    };
  }
  const valid: Snapshot[] = [];
  let first: { reason: RejectReason; message: string } | undefined;
  let refused = 0;
  for (const [i, raw] of batch.entries()) {
    const parsed = snapshotWithoutFrames.safeParse(raw);
    const frames = parseFrames((raw as { frames?: unknown } | null)?.frames);
    let problem: { reason: RejectReason; message: string } | undefined;
    if (!parsed.success) {
      problem = {
        reason: 'bad_snapshot',
        message: `snapshot ${i}: ${summarize(parsed.error.issues)}`,
      };
    } else if (!frames.ok) {
      problem = { reason: 'bad_snapshot', message: `snapshot ${i}: ${frames.message}` };
    } else if (parsed.data.node !== node || parsed.data.bootId !== bootId) {
      problem = {
        reason: 'wrong_sender',
        message: `snapshot ${i} is from ${parsed.data.node}/${parsed.data.bootId}, this agent is ${node}/${bootId}`,
      };
    } else if (valid.length > 0 && parsed.data.seq <= valid[valid.length - 1]!.seq) {
      problem = {
        reason: 'seq_order',
        message: `snapshot ${i}: seqs must increase within a batch`,
      };
    }
    if (problem === undefined && parsed.success && frames.ok)
      valid.push({ ...parsed.data, frames: frames.frames });
    else {
      refused++;
      first ??= problem;
    }
  }
  return first === undefined ? { valid } : { valid, rejected: { ...first, count: refused } };
}

export type UrgentCheck =
  | { readonly ok: true; readonly urgent: UrgentEvent }
  | { readonly ok: false; readonly reason: RejectReason; readonly message: string };

/** Checks an `urgent` event from the agent of (node, bootId). */
export function checkUrgent(raw: unknown, node: string, bootId: string): UrgentCheck {
  const parsed = urgentEventSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, reason: 'bad_urgent', message: summarize(parsed.error.issues) };
  }
  if (parsed.data.node !== node || parsed.data.bootId !== bootId) {
    return { ok: false, reason: 'wrong_sender', message: 'urgent event from another agent' };
  }
  return { ok: true, urgent: parsed.data };
}

function summarize(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ')
    .slice(0, 1_000);
}
