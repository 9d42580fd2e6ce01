import { Command } from 'commander';
import { z } from 'zod';
import { CliOptionsError, formatIssues } from '../options.ts';
import { kebabIssues } from '../node/shards.ts';

/**
 * `observatory drill-client` (hidden): one drill client process (cli/drill/client.ts), spawned
 * by `observatory drill`. The lab's cookie comes from OBSERVATORY_DRILL_COOKIE, never argv. It
 * runs until its stdin ends: the drill closes the pipe to stop it, and a drill that dies closes
 * it too, so no client outlives its drill.
 */
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: 'must be an integer' })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `must be from ${min} to ${max}` });

const ORPHAN_CHECK_MS = 200;

const ClientSchema = z.object({
  target: z.string().regex(/^[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+:\d{1,5}$/, {
    message: 'must be name@host:port',
  }),
  process: int(0, 1_000_000),
  stride: int(1, 1_000),
  keys: int(1, 10_000),
  rate: int(1, 10_000),
  seed: int(0, 2 ** 31),
  counterHistory: z.string().min(1).optional(),
  registerHistory: z.string().min(1).optional(),
  shardCount: int(1, 4096),
  t0: z.string().regex(/^\d+$/, { message: 'must be an integer (hrtime ns)' }),
  ticktime: int(100, 60_000),
  callTimeoutMs: int(100, 60_000),
  finalReads: z.boolean(),
  cookie: z.string({ message: 'OBSERVATORY_DRILL_COOKIE must be set' }).min(1, {
    message: 'OBSERVATORY_DRILL_COOKIE must be set',
  }),
});

export function drillClientCommand(): Command {
  return new Command('drill-client')
    .description('one drill client process (spawned by observatory drill)')
    .requiredOption('--target <name@host:port>', 'the node this client talks to')
    .requiredOption('--process <n>', 'first logical process id')
    .requiredOption('--stride <n>', 'added to the process id after an info')
    .requiredOption('--keys <n>', 'keys k0…k(n-1)')
    .requiredOption('--rate <n>', 'operations per second at most')
    .requiredOption('--seed <n>', 'random seed')
    .option('--counter-history <file>', 'run the counter workload; its lines are appended here')
    .option('--register-history <file>', 'run the register workload; its lines are appended here')
    .option('--shard-count <n>', "the lab's shard count (register keys cover every shard)", '64')
    .requiredOption('--t0 <ns>', "hrtime of the drill's start")
    .option('--ticktime <ms>', 'net_ticktime in ms', '1000')
    .option('--call-timeout-ms <ms>', 'an operation without an answer by then is info', '3000')
    .option('--final-reads', 'read every key once when stopping', false)
    .action(async (raw: Record<string, unknown>) => {
      const parsed = ClientSchema.safeParse({
        ...raw,
        finalReads: raw.finalReads === true,
        cookie: process.env.OBSERVATORY_DRILL_COOKIE,
      });
      if (!parsed.success)
        throw new CliOptionsError('drill-client', kebabIssues(formatIssues(parsed.error)));
      const o = parsed.data;
      // diagnostics on stderr, one JSON line each (the drill keeps them in its dir): why a
      // client is not ready is otherwise invisible
      const t0 = BigInt(o.t0);
      const log = (event: string, extra: Record<string, unknown> = {}): void => {
        const atMs = Math.round(Number(process.hrtime.bigint() - t0) / 1e6);
        process.stderr.write(`${JSON.stringify({ event, atMs, ...extra })}\n`);
      };
      log('started', { pid: process.pid, target: o.target });
      if (o.counterHistory === undefined && o.registerHistory === undefined)
        throw new CliOptionsError('drill-client', [
          'give --counter-history, --register-history or both',
        ]);
      const { startNode } = await import('../../cluster/index.ts');
      const { runClient } = await import('../drill/client.ts');
      const [name, rest] = o.target.split('@') as [string, string];
      const host = rest.slice(0, rest.lastIndexOf(':'));
      const node = await startNode({
        name: `client${o.process}-${process.pid}`,
        host: '127.0.0.1',
        cookie: o.cookie,
        hidden: true,
        ticktimeMs: o.ticktime,
      });
      log('listening', { name: node.name });
      // A client belongs to its drill: when the drill dies (even by SIGKILL) the client is
      // re-parented and ends at once, without final reads against nodes that are dying too.
      const parent = process.ppid;
      setInterval(() => {
        if (process.ppid !== parent) process.exit(1);
      }, ORPHAN_CHECK_MS).unref();
      const stop = new Promise<void>((resolve) => {
        process.stdin.on('end', resolve);
        process.stdin.on('close', resolve);
        process.stdin.resume();
      });
      let failedConnects = 0;
      const result = await runClient({
        node,
        target: `${name}@${host}`,
        address: o.target,
        process: o.process,
        stride: o.stride,
        keys: o.keys,
        shardCount: o.shardCount,
        rate: o.rate,
        seed: o.seed,
        histories: {
          ...(o.counterHistory === undefined ? {} : { counter: o.counterHistory }),
          ...(o.registerHistory === undefined ? {} : { register: o.registerHistory }),
        },
        t0: BigInt(o.t0),
        callTimeoutMs: o.callTimeoutMs,
        finalReads: o.finalReads,
        stop,
        // the drill waits for this line before it breaks anything
        onReady: () => {
          log('ready', { failedConnects });
          process.stdout.write('ready\n');
        },
        onConnectFailure: (reason) => {
          failedConnects++;
          log('connect-failed', { attempt: failedConnects, reason });
        },
      });
      process.stderr.write(`${JSON.stringify(result)}\n`);
      await node.close();
      process.exit(0);
    });
}
