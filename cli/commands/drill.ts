import { Command, Option } from 'commander';
import { z } from 'zod';
import { CliOptionsError, formatIssues } from '../options.ts';
import { kebabIssues } from '../node/shards.ts';
import { DEFAULT_NODES, DEFEATED_BY, DRILLS, type DrillName } from '../drill/kinds.ts';

/** `60s`, `1500ms`, `2m`, or plain seconds */
const duration = z
  .string()
  .regex(/^\d+(ms|s|m)?$/, { message: "must be a duration like '60s', '1500ms' or '2m'" })
  .transform((v) => {
    const n = Number.parseInt(v, 10);
    return v.endsWith('ms') ? n : v.endsWith('m') ? n * 60_000 : n * 1_000;
  })
  .refine((ms) => ms >= 1_000 && ms <= 3_600_000, { message: 'must be from 1s to 60m' });

const KIND_LIST = `${DRILLS.map((d) => `'${d}'`).join(', ')} or 'all'`;

/**
 * `observatory drill <kind>`: spawns a lab of real node processes, breaks it
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
  name: z.enum([...DRILLS, 'all'], { message: `must be ${KIND_LIST}` }),
  runs: int(1, 10_000).optional(),
  drills: z
    .string()
    .transform((v) => v.split(',').map((x) => x.trim()))
    .pipe(z.array(z.enum(DRILLS, { message: `each must be one of ${DRILLS.join(', ')}` })).min(1))
    .optional(),
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
    .enum(['no-store-fence', 'no-lease'], { message: "must be 'no-store-fence' or 'no-lease'" })
    .optional(),
  workload: z
    .enum(['register', 'counter', 'both'], { message: "must be 'register', 'counter' or 'both'" })
    .optional(),
  seed: int(0, 2 ** 31 - 1).optional(),
  duration: duration.optional(),
  lifeline: z.enum(['stdin'], { message: "must be 'stdin'" }).optional(),
  history: z.string().min(1).optional(),
  clients: int(0, 64).optional(),
  clientRate: int(1, 1_000).optional(),
  clientKeys: int(1, 1_000).optional(),
});

export function drillCommand(): Command {
  return new Command('drill')
    .description(`run a failure drill (${DRILLS.join(', ')}); exit 0 only if it passes`)
    .argument('<name>', `${DRILLS.join(' | ')} | all`)
    .option('--runs <n>', "'all': runs of each drill (default 1)")
    .option('--drills <list>', "'all': only these drills, comma-separated (default every one)")
    .option('--nodes <n>', 'nodes in the drill lab (default 5; pause, clock-jump: 3)')
    .option('--workload <w>', "the clients' workload: register | counter | both (default both)")
    .option('--seed <n>', "'random': the schedule's seed (default: a random one, in the report)")
    .option('--duration <d>', "'random': how long faults are injected (default 60s)")
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
    .option(
      '--keep',
      "keep the temp dir (store, outcome logs, histories) and print its path; 'all': of every run that does not pass",
      false,
    )
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
      'negative control that breaks the system: no-store-fence (the store accepts any epoch; defeated by pause) or no-lease (every node owns without a majority lease; defeated by split-brain)',
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
      if (o.unsafe !== undefined && o.name !== DEFEATED_BY[o.unsafe])
        // a switch is claimed to be caught only by the drill measured to defeat it
        throw new CliOptionsError('drill', [
          `--unsafe ${o.unsafe} is a negative control for '${DEFEATED_BY[o.unsafe]}' only: run observatory drill ${DEFEATED_BY[o.unsafe]} --unsafe ${o.unsafe} (docs/drills.md, Negative controls)`,
        ]);
      if (
        (o.seed !== undefined || o.duration !== undefined) &&
        o.name !== 'random' &&
        o.name !== 'all'
      )
        throw new CliOptionsError('drill', ["--seed and --duration belong to 'random'"]);
      if (o.name === 'all') {
        const { runAll, formatAll } = await import('../drill/run-all.ts');
        // the options every run shares, passed through as given
        const shared = [
          'shardCount',
          'leaseMs',
          'ticktime',
          'rate',
          'keys',
          'holdMs',
          'workload',
        ].flatMap((k) => {
          const v = raw[k];
          const flag = `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
          return typeof v === 'string' ? [flag, v] : [];
        });
        const all = await runAll(
          o.runs ?? 1,
          shared,
          {
            ...(o.duration === undefined ? {} : { durationMs: o.duration }),
            ...(o.drills === undefined ? {} : { drills: o.drills }),
            keepFailed: o.keep,
          },
          o.progress ? (line) => process.stderr.write(`${JSON.stringify(line)}\n`) : undefined,
        );
        process.stdout.write(o.json ? `${JSON.stringify(all)}\n` : `${formatAll(all)}\n`);
        process.exit(all.verdict === 'pass' ? 0 : 1);
      }
      const drill: DrillName = o.name;
      const { runDrill } = await import('../drill/run-drill.ts');
      const { formatReport } = await import('../drill/report.ts');
      const report = await runDrill({
        drill,
        nodes: o.nodes ?? DEFAULT_NODES[drill],
        ...(o.workload === undefined ? {} : { workload: o.workload }),
        // a random seed unless given, printed in the report so that the run can be replayed
        seed: o.seed ?? (await import('node:crypto')).randomInt(1, 2 ** 31 - 1),
        ...(o.duration === undefined ? {} : { durationMs: o.duration }),
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
