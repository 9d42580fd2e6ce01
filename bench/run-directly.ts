/**
 * `npx tsx bench/<name>.bench.ts [--json] [--quick] [flags…]`: a bench file run on its own (under a
 * profiler or a debugger), with the context and the output `bench/run.ts` gives it.
 */
import { formatReport, type BenchContext, type BenchRow } from './report.ts';

export interface RunDirectlyOptions {
  /** ends what the bench started (child processes) when the run is interrupted */
  readonly cleanup?: () => Promise<void>;
}

/** Runs `bench` when `moduleUrl` is the script node was started with; nothing when imported. */
export async function runDirectly(
  moduleUrl: string,
  bench: (context: BenchContext) => Promise<readonly BenchRow[]>,
  options: RunDirectlyOptions = {},
): Promise<void> {
  if (moduleUrl !== `file://${process.argv[1]}`) return;
  const { cleanup } = options;
  if (cleanup !== undefined) {
    const onSignal = () => void cleanup().then(() => process.exit(130));
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const rows = await bench({
    json,
    quick: args.includes('--quick'),
    args,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(formatReport(rows, json));
  // A missed target is a finding the table shows, not a crash; and sockets or timers a bench
  // left behind must not keep the process alive once the report is out.
  process.exit(0);
}
