import { Command, Option } from 'commander';
import { z } from 'zod';
import { CliOptionsError, formatIssues } from '../options.ts';
import { kebabIssues } from '../node/shards.ts';

/**
 * `observatory drill node-loss|split-brain|pause`: spawns a lab of real node processes, breaks it
 * under load, and runs the checker. Exit status 0 only when the drill passes, 1 when it fails,
 * 2 on bad options. With --json, stdout is exactly one JSON object; with --progress, stderr gets
 * one JSON object per line ({drill, phase, at, elapsedMs, attempted, acked, …}).
 */
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: 'must be an integer' })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `must be from ${min} to ${max}` });

const DrillSchema = z.object({
  name: z.enum(['node-loss', 'split-brain', 'pause', 'all'], {
    message: "must be 'node-loss', 'split-brain', 'pause' or 'all'",
  }),
  runs: int(1, 10_000).optional(),
  nodes: int(3, 9).optional(),
  store: z.string().min(1).optional(),
  shardCount: int(1, 4096),
  leaseMs: int(300, 60_000),
  ticktime: int(200, 60_000),
  rate: int(1, 100_000),
  keys: int(1, 1_000_000),
  holdMs: int(100, 60_000),
  json: z.boolean(),
  progress: z.boolean(),
  keep: z.boolean(),
  unsafeNoFence: z.boolean(),
  unsafe: z
    .enum(['no-store-fence'], {
      message: "must be 'no-store-fence' (no-lease is not implemented yet)",
    })
    .optional(),
  lifeline: z.enum(['stdin'], { message: "must be 'stdin'" }).optional(),
  history: z.string().min(1).optional(),
  clients: int(0, 64).optional(),
  clientRate: int(1, 1_000).optional(),
  clientKeys: int(1, 1_000).optional(),
});

const DEFAULT_NODES = { 'node-loss': 5, 'split-brain': 5, pause: 3 } as const;

export function drillCommand(): Command {
  return new Command('drill')
    .description('run a failure drill (node-loss, split-brain, pause); exit 0 only if it passes')
    .argument('<name>', 'node-loss | split-brain | pause')
    .option('--runs <n>', "'all': runs of each drill (default 1)")
    .option('--nodes <n>', 'nodes in the drill lab (default 5; pause: 3)')
    .option('--json', 'print the report as one JSON object on stdout', false)
    .option('--progress', 'progress on stderr, one JSON object per line', false)
    .option(
      '--store <url>',
      'fenced store (default: env OBSERVATORY_STORE_URL, else a SQLite file in a temp dir); postgres://…',
    )
    .option('--shard-count <n>', 'shards', '64')
    .option('--lease-ms <ms>', 'lease length in ms', '1200')
    .option('--ticktime <ms>', 'net_ticktime of the lab in ms', '1000')
    .option('--rate <n>', 'writes/s started by each node', '100')
    .option('--keys <n>', 'ledger keys', '256')
    .option('--hold-ms <ms>', 'time under load between steps', '1000')
    .option('--keep', 'keep the temp dir (store, outcome logs) and print its path', false)
    .option('--history <file>', "write the clients' history here (docs/drills.md, History)")
    .option('--clients <n>', 'client processes outside the nodes (default 4; 0: none)')
    .option('--client-rate <n>', 'operations per second per client (default 20)')
    .option('--client-keys <n>', 'keys the clients use (default 8)')
    .option(
      '--lifeline <stream>',
      "'stdin': end the drill and kill its nodes when stdin ends (for a process running drills)",
    )
    .addOption(
      new Option('--unsafe-no-fence', 'tests: the pause victim defeats the fence').hideHelp(),
    )
    .option(
      '--unsafe <switch>',
      'negative control that breaks the system: no-store-fence (the store accepts any epoch)',
    )
    .action(async (name: string, raw: Record<string, unknown>) => {
      const parsed = DrillSchema.safeParse({
        ...raw,
        // A URL with a password belongs in the environment, not in argv where `ps` shows it.
        store: raw.store ?? (process.env.OBSERVATORY_STORE_URL || undefined),
        name,
        json: raw.json === true,
        progress: raw.progress === true,
        keep: raw.keep === true,
        unsafeNoFence: raw.unsafeNoFence === true,
      });
      if (!parsed.success)
        throw new CliOptionsError('drill', kebabIssues(formatIssues(parsed.error)));
      const o = parsed.data;
      if (o.name === 'all') {
        const { runAll, formatAll } = await import('../drill/run-all.ts');
        // the options every run shares, passed through as given
        const shared = ['shardCount', 'leaseMs', 'ticktime', 'rate', 'keys', 'holdMs'].flatMap(
          (k) => {
            const v = raw[k];
            const flag = `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
            return typeof v === 'string' ? [flag, v] : [];
          },
        );
        const all = await runAll(
          o.runs ?? 1,
          shared,
          o.progress ? (line) => process.stderr.write(`${JSON.stringify(line)}\n`) : undefined,
        );
        process.stdout.write(o.json ? `${JSON.stringify(all)}\n` : `${formatAll(all)}\n`);
        process.exit(all.verdict === 'pass' ? 0 : 1);
      }
      const drill = o.name;
      const { runDrill } = await import('../drill/run-drill.ts');
      const { formatReport } = await import('../drill/report.ts');
      const report = await runDrill({
        drill,
        nodes: o.nodes ?? DEFAULT_NODES[drill],
        ...(o.store === undefined ? {} : { storeUrl: o.store }),
        shardCount: o.shardCount,
        leaseMs: o.leaseMs,
        ticktimeMs: o.ticktime,
        rate: o.rate,
        keys: o.keys,
        holdMs: o.holdMs,
        keep: o.keep,
        unsafeNoFence: o.unsafeNoFence,
        ...(o.unsafe === undefined ? {} : { unsafe: o.unsafe }),
        ...(o.lifeline === undefined ? {} : { lifeline: o.lifeline }),
        ...(o.history === undefined ? {} : { history: o.history }),
        ...(o.clients === undefined ? {} : { clients: o.clients }),
        ...(o.clientRate === undefined ? {} : { clientRate: o.clientRate }),
        ...(o.clientKeys === undefined ? {} : { clientKeys: o.clientKeys }),
        ...(o.progress
          ? {
              progress: (line: Record<string, unknown>) =>
                process.stderr.write(`${JSON.stringify(line)}\n`),
            }
          : {}),
      });
      const kept = report.dir === undefined ? '' : `\n  kept: ${report.dir}`;
      process.stdout.write(
        o.json ? `${JSON.stringify(report)}\n` : `${formatReport(report)}${kept}\n`,
      );
      // pipes are synchronous on Linux, so the report is out; lingering sockets must not hold the exit
      process.exit(report.verdict === 'pass' ? 0 : 1);
    });
}
