import type { Clock, NodeName, Payload } from '../api.ts';
import { BadArgumentError } from './errors.ts';

/** One member's promise not to grant a shard to anyone else before `expiresAt` (its own monotonic clock). */
export interface Grant {
  readonly shard: number;
  readonly holder: NodeName;
  readonly expiresAt: number;
  /** the holder's epoch, for display only */
  readonly epoch: number | null;
}

export interface GrantRequest {
  readonly op: 'grant';
  readonly shards: readonly number[];
  readonly epochs?: readonly (number | null)[];
  readonly durationMs: number;
}

export interface ReleaseRequest {
  readonly op: 'release';
  readonly shards: readonly number[];
}

export interface GrantReply {
  readonly granted: number[];
  readonly refused: number[];
}

const MAX_SHARDS_PER_REQUEST = 65_536;

function shardList(v: unknown): number[] {
  if (!Array.isArray(v) || v.length > MAX_SHARDS_PER_REQUEST)
    throw new BadArgumentError('bad shards');
  for (const s of v)
    if (!Number.isSafeInteger(s) || (s as number) < 0) throw new BadArgumentError('bad shard');
  return v as number[];
}

/** Validates a `shard.lease` request at the RPC boundary. */
export function parseLeaseRequest(args: Payload): GrantRequest | ReleaseRequest {
  if (
    typeof args !== 'object' ||
    args === null ||
    Array.isArray(args) ||
    args instanceof Uint8Array
  ) {
    throw new BadArgumentError('lease request must be an object');
  }
  const a = args as Record<string, unknown>;
  if (a.op === 'release') return { op: 'release', shards: shardList(a.shards) };
  if (a.op !== 'grant') throw new BadArgumentError('lease op must be grant or release');
  const durationMs = a.durationMs;
  if (typeof durationMs !== 'number' || !(durationMs > 0) || durationMs > 600_000) {
    throw new BadArgumentError('bad durationMs');
  }
  const shards = shardList(a.shards);
  const epochs = Array.isArray(a.epochs) ? (a.epochs as (number | null)[]) : undefined;
  return { op: 'grant', shards, durationMs, ...(epochs ? { epochs } : {}) };
}

/**
 * The member side of leases. A member grants a shard to X unless it holds an unexpired grant to
 * someone else; a grant lasts the longer of the holder's asked duration and this member's own
 * lease. After (re)start it grants nothing for `quarantineMs`, because it forgot the grants it
 * made before and an old holder may still count on one of them.
 */
export class LeaseGrantor {
  private readonly grants = new Map<number, Grant>();
  private readonly openAt: number;

  constructor(
    private readonly clock: Clock,
    private readonly leaseMs: number,
    quarantineMs: number,
  ) {
    this.openAt = clock.monotonic() + quarantineMs;
  }

  grant(from: NodeName, req: GrantRequest): GrantReply {
    const now = this.clock.monotonic();
    const granted: number[] = [];
    const refused: number[] = [];
    const duration = Math.max(req.durationMs, this.leaseMs);
    req.shards.forEach((shard, i) => {
      const current = this.grants.get(shard);
      const busy = current !== undefined && current.holder !== from && now < current.expiresAt;
      if (busy || now < this.openAt) {
        refused.push(shard);
        return;
      }
      const epoch = req.epochs?.[i];
      this.grants.set(shard, {
        shard,
        holder: from,
        expiresAt: now + duration,
        epoch: typeof epoch === 'number' ? epoch : null,
      });
      granted.push(shard);
    });
    return { granted, refused };
  }

  /** Forgets `from`'s grants on these shards (only its own). */
  release(from: NodeName, shards: readonly number[]): number[] {
    const released: number[] = [];
    for (const s of shards) {
      if (this.grants.get(s)?.holder === from) {
        this.grants.delete(s);
        released.push(s);
      }
    }
    return released;
  }

  /** unexpired grants, for the dashboard ("claimants") */
  list(): Grant[] {
    const now = this.clock.monotonic();
    return [...this.grants.values()]
      .filter((g) => g.expiresAt > now)
      .sort((a, b) => a.shard - b.shard);
  }
}
