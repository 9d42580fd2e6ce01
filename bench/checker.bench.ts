/**
 * The history checker on generated histories (linearizable by construction, so the whole
 * search runs: a pass is the expensive verdict) of 10k, 100k and 1M operations over 1k keys,
 * 20 concurrent clients, 5% of operations ending `info`. Each size is written to a file and then
 * checked the way `observatory check` does it (streamed through the push parser). The baseline,
 * measured in the same run on the same file, is reading and JSON-parsing every line with no
 * checking: the ratio is what the checker costs on top of reading the history at all.
 *
 *   npm run bench -- checker [--json] [--quick]     (--quick: 10k and 100k only)
 */
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { generateHistory, seeded } from '../cluster/check/testing/generate.ts';
import { registerModel } from '../cluster/check/index.ts';
import { checkHistoryFile } from '../cli/drill/check-file.ts';
import type { BenchContext, BenchRow } from './report.ts';

const BENCH = 'checker';
const KEYS = 1_000;
const CLIENTS = 20;

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
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
