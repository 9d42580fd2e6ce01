/**
 * `npm run bench -- <name> [--json] [--quick] [bench flags…]`: loads `bench/<name>.bench.ts`,
 * runs its default export and prints the rows it returns (see report.ts). Exit status: 0 when
 * every row with a target passed, 1 when a target was missed (so a regression cannot pass
 * unnoticed), 2 when the bench could not run.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatReport, missedTargets, type BenchFn } from './report.ts';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const SUFFIX = '.bench.ts';

/** Names of the benches in `bench/`, sorted. */
export function availableBenches(dir: string = BENCH_DIR): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(SUFFIX))
    .map((file) => file.slice(0, -SUFFIX.length))
    .sort();
}

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  const available = availableBenches();
  if (name === undefined || name.startsWith('-')) {
    fail(`usage: npm run bench -- <name> [--json] [--quick]\navailable: ${available.join(', ')}`);
  }
  if (!available.includes(name)) {
    fail(`unknown bench "${name}"; available: ${available.join(', ')}`);
  }
  const module = (await import(pathToFileURL(`${BENCH_DIR}${name}${SUFFIX}`).href)) as {
    default?: unknown;
  };
  if (typeof module.default !== 'function') {
    fail(`bench/${name}${SUFFIX} has no default export function`);
  }
  const run = module.default as BenchFn;
  const json = args.includes('--json');
  const rows = await run({
    json,
    quick: args.includes('--quick'),
    args,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(formatReport(rows ?? [], json));
  const missed = missedTargets(rows ?? []);
  if (missed.length > 0) {
    process.stderr.write(`bench: ${missed.length} target(s) missed: ${missed.join('; ')}\n`);
    return 1;
  }
  return 0;
}

const status = await main(process.argv.slice(2));
// Benches may leave sockets or timers behind; the report is out, so end the process.
process.exit(status);
