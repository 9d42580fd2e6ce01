/**
 * Options of `observatory node --shards …` (the shards service, the lab handlers the drills
 * drive, a local workload). Option values arrive as commander strings and are validated here;
 * this module loads no runtime, so `--help` stays fast. shards-attach.ts starts the service.
 */
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { CliOptionsError, formatIssues, kebabIssues } from '../options.ts';

/** Lease timings derived from one lease length; at 3000 ms they are the library defaults. */
export interface LeaseTimings {
  readonly leaseMs: number;
  readonly driftMarginMs: number;
  readonly renewIntervalMs: number;
  readonly acquireRetryMs: number;
  readonly leaseRpcTimeoutMs: number;
  readonly handoffWaitMs: number;
}

/**
 * The lab's short leases keep the library's proportions: margin lease/6, renew lease/3 (two
 * renewals may fail before expiry), retry lease/12, and a handoff wait that covers one takeover.
 */
export function leaseTimings(leaseMs: number): LeaseTimings {
  const driftMarginMs = Math.round(leaseMs / 6);
  return {
    leaseMs,
    driftMarginMs,
    renewIntervalMs: Math.round(leaseMs / 3),
    acquireRetryMs: Math.max(20, Math.round(leaseMs / 12)),
    leaseRpcTimeoutMs: Math.max(50, Math.round(leaseMs / 6)),
    handoffWaitMs: Math.max(Math.round((leaseMs * 5) / 3), leaseMs + driftMarginMs + 1_000),
  };
}

const MEMBER = /^[A-Za-z0-9_.-]{1,64}@[A-Za-z0-9.:_-]{1,253}$/;
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: 'must be an integer' })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `must be from ${min} to ${max}` });

const ShardCliSchema = z.object({
  members: z
    .string({ message: 'is required with --shards (comma-separated name@host)' })
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== ''),
    )
    .pipe(
      z
        .array(z.string().regex(MEMBER, { message: 'each member must be name@host' }))
        .min(1, { message: 'needs at least one member' }),
    ),
  store: z
    .string({
      message:
        'is required with --shards (file:/path.db or postgres://…, or env OBSERVATORY_STORE_URL)',
    })
    .min(1),
  shardCount: int(1, 100_000).optional(),
  leaseMs: int(100, 600_000).optional(),
  lab: z.boolean(),
  outcomeLog: z.string().min(1).optional(),
  workloadRate: int(1, 1_000_000).optional(),
  workloadKeys: int(1, 10_000_000).optional(),
  workloadDistribution: z
    .enum(['uniform', 'zipf'], { message: "must be 'uniform' or 'zipf'" })
    .optional(),
  trustFenceOnly: z.boolean(),
  unsafeNoFence: z.boolean(),
  unsafeNoStoreFence: z.boolean(),
  unsafeNoLease: z.boolean(),
});

export type ShardCliOptions = z.output<typeof ShardCliSchema>;

/** Adds the shard options to `observatory node`. */
export function addShardOptions(command: Command): Command {
  return command
    .option('--shards', 'run the shards service (ledger demo) on this node', false)
    .option('--members <list>', 'configured shard members, comma-separated name@host')
    .option(
      '--store <url>',
      'fenced store: file:/path/ledger.db (SQLite WAL) or postgres://… (a URL with a password: env OBSERVATORY_STORE_URL, not argv)',
    )
    .option('--shard-count <n>', 'number of shards (same on every member; default 64)')
    .option('--lease-ms <ms>', 'lease length; other lease timings scale with it (default 3000)')
    .option('--workload-rate <n>', 'run a local ledger workload at n writes/s until stopped')
    .option('--workload-keys <n>', 'keys of the local workload (default 1000)')
    .option('--workload-distribution <d>', 'uniform | zipf (default uniform)')
    .option('--outcome-log <path>', 'append every workload outcome to this JSON-lines file')
    .option('--lab', 'register the lab-only control handlers (drills); cookie-protected', false)
    .addOption(new Option('--trust-fence-only', 'drills: skip the lease check').hideHelp())
    .addOption(new Option('--unsafe-no-fence', 'tests: defeat the store fence').hideHelp())
    .addOption(
      new Option(
        '--unsafe-no-store-fence',
        'negative control: the store accepts any epoch',
      ).hideHelp(),
    )
    .addOption(
      new Option(
        '--unsafe-no-lease',
        'negative control: act as owner without a majority lease',
      ).hideHelp(),
    );
}

/** Validates the shard options; undefined when `--shards` was not given. */
export function parseShardOptions(raw: Record<string, unknown>): ShardCliOptions | undefined {
  if (raw.shards !== true) return undefined;
  const result = ShardCliSchema.safeParse({
    ...raw,
    lab: raw.lab === true,
    trustFenceOnly: raw.trustFenceOnly === true,
    unsafeNoFence: raw.unsafeNoFence === true,
    unsafeNoStoreFence: raw.unsafeNoStoreFence === true,
    unsafeNoLease: raw.unsafeNoLease === true,
  });
  if (!result.success) throw new CliOptionsError('node', kebabIssues(formatIssues(result.error)));
  return result.data;
}

export { kebabIssues } from '../options.ts';
