/**
 * The history checker on generated histories (linearizable by construction, so the whole
 * search runs: a pass is the expensive verdict) of 10k, 100k and 1M operations over 1k keys,
 * 20 concurrent clients, 5% of operations ending `info`. Each size is written to a file and then
 * checked the way `observatory check` does it (streamed through the push parser). The baseline,
 * measured in the same run on the same file, is reading and JSON-parsing every line with no
 * checking: the ratio is what the checker costs on top of reading the history at all.
 *
 * Then the counter's hard case, open adds (they commute, so a plain memo of which operations
 * are linearized is exponential in them): 20 keys, each 40 `info` adds among reads of their
 * sums (cluster/check/testing/open-adds.ts), same baseline.
 *
 *   npm run bench -- checker [--json] [--quick]     (--quick: 10k and 100k only)
 */
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { generateHistory, seeded } from '../cluster/check/testing/generate.ts';
import { counterModel, registerModel } from '../cluster/check/index.ts';
import { linesOf } from '../cluster/check/testing/index.ts';
import { openAddsHistory } from '../cluster/check/testing/open-adds.ts';
import { seededRandom } from '../cluster/random.ts';
import { checkHistoryFile } from '../cli/drill/check-file.ts';
import type { BenchContext, BenchRow } from './report.ts';

const BENCH = 'checker';
const KEYS = 1_000;
const CLIENTS = 20;
const OPEN_ADD_KEYS = 20;
const OPEN_ADDS = 40;

/** Synchronous chunked writes: nothing piles up in a stream's buffer to skew the RSS figure. */
function writeHistory(path: string, operations: number): void {
  const fd = openSync(path, 'w');
  let buffer: string[] = [];
  const flush = (): void => {
    writeSync(fd, `${buffer.join('\n')}\n`);
    buffer = [];
  };
  try {
    generateHistory({
      model: 'register',
      operations,
      processes: CLIENTS,
      keys: KEYS,
      random: seeded(operations),
      sink: (e) => {
        buffer.push(JSON.stringify(e));
        if (buffer.length >= 20_000) flush();
      },
    });
    if (buffer.length > 0) flush();
  } finally {
    closeSync(fd);
  }
}

async function parseOnly(path: string): Promise<number> {
  let n = 0;
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }) });
  for await (const line of lines) if ((JSON.parse(line) as unknown) !== null) n++;
  return n;
}

/** OPEN_ADD_KEYS counters of OPEN_ADDS open adds each, one history file */
function writeOpenAdds(path: string): number {
  const ops = Array.from({ length: OPEN_ADD_KEYS }, (_, k) =>
    openAddsHistory(OPEN_ADDS, seededRandom(k + 1), {
      key: `c${k}`,
      firstProcess: k * (OPEN_ADDS + 1),
    }),
  ).flat();
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, `${linesOf(ops).join('\n')}\n`);
  } finally {
    closeSync(fd);
  }
  return ops.length;
}

async function checkOpenAdds(dir: string, ctx: BenchContext): Promise<BenchRow> {
  const path = join(dir, 'open-adds.jsonl');
  const operations = writeOpenAdds(path);
  const p0 = performance.now();
  await parseOnly(path);
  const parseMs = performance.now() - p0;
  const c0 = performance.now();
  const report = await checkHistoryFile(path, { model: counterModel, timeMs: 600_000 });
  const checkMs = performance.now() - c0;
  ctx.log(`checker: open adds: ${report.verdict} in ${checkMs.toFixed(0)} ms`);
  return {
    bench: BENCH,
    metric: `check counter, ${OPEN_ADD_KEYS} keys × ${OPEN_ADDS} open adds: time`,
    value: checkMs / 1000,
    unit: 's',
    baseline: parseMs / 1000,
    ratio: checkMs / parseMs,
    note: `verdict ${report.verdict} (${report.keysUnknown} keys unknown), ${report.states} states, ${operations} operations; baseline: read + JSON.parse only`,
  };
}

export default async function checker(ctx: BenchContext): Promise<BenchRow[]> {
  const sizes = ctx.quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
  const dir = mkdtempSync(join(tmpdir(), 'bench-checker-'));
  const rows: BenchRow[] = [];
  try {
    for (const operations of sizes) {
      const path = join(dir, `h${operations}.jsonl`);
      ctx.log(`checker: writing ${operations} operations over ${KEYS} keys`);
      writeHistory(path, operations);
      const p0 = performance.now();
      await parseOnly(path);
      const parseMs = performance.now() - p0;
      const c0 = performance.now();
      const report = await checkHistoryFile(path, { model: registerModel, timeMs: 600_000 });
      const checkMs = performance.now() - c0;
      const rssMiB = process.resourceUsage().maxRSS / 1024;
      ctx.log(`checker: ${operations}: ${report.verdict} in ${checkMs.toFixed(0)} ms`);
      const label =
        operations >= 1_000_000 ? `${operations / 1_000_000}M` : `${operations / 1_000}k`;
      rows.push({
        bench: BENCH,
        metric: `check ${label} ops (${KEYS} keys): time`,
        value: checkMs / 1000,
        unit: 's',
        baseline: parseMs / 1000,
        ratio: checkMs / parseMs,
        ...(operations === 1_000_000 ? { target: '< 60 s', pass: checkMs < 60_000 } : {}),
        note: `verdict ${report.verdict}, ${report.states} states; baseline: read + JSON.parse only`,
      });
      rows.push({
        bench: BENCH,
        metric: `check ${label} ops: throughput`,
        value: operations / (checkMs / 1000),
        unit: 'ops/s',
      });
      rows.push({
        bench: BENCH,
        metric: `check ${label} ops: peak RSS (process so far)`,
        value: rssMiB,
        unit: 'MiB',
      });
      rmSync(path, { force: true });
    }
    rows.push(await checkOpenAdds(dir, ctx));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
