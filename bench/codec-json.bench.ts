/**
 * A tiny in-process bench that keeps the runner honest: encoding a ~100-byte message with
 * JSON.stringify + Buffer.from, against copying the same bytes (the cheapest possible "codec"),
 * rounds interleaved so machine noise hits both alike.
 *
 *   npm run bench -- codec-json [--json] [--quick]
 */
import type { BenchContext, BenchRow } from './report.ts';
import { withRatio } from './report.ts';

const MESSAGE = {
  kind: 'send',
  to: { name: 'orders', node: 'b@127.0.0.1' },
  seq: 123_456,
  body: 'x'.repeat(32),
};

/** Runs `fn` repeatedly for about `budgetMs`, returns operations per second. */
function opsPerSecond(fn: () => unknown, budgetMs: number): number {
  const batch = 1_000;
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    elapsed = performance.now() - start;
  }
  return (ops / elapsed) * 1000;
}

export default function codecJsonBench(context: BenchContext): Promise<BenchRow[]> {
  const rounds = context.quick ? 1 : 5;
  const budgetMs = context.quick ? 50 : 200;
  const bytes = Buffer.from(JSON.stringify(MESSAGE));
  const target = Buffer.alloc(bytes.length);
  let json = 0;
  let copy = 0;
  for (let round = 0; round < rounds; round++) {
    json += opsPerSecond(() => Buffer.from(JSON.stringify(MESSAGE)), budgetMs);
    copy += opsPerSecond(() => bytes.copy(target), budgetMs);
  }
  context.log(
    `codec-json: ${rounds} round(s) of ${budgetMs} ms each, ${bytes.length}-byte message`,
  );
  return Promise.resolve([
    withRatio({
      bench: 'codec-json',
      metric: `encode ${bytes.length} B (JSON.stringify + Buffer.from)`,
      value: json / rounds,
      unit: 'ops/s',
      baseline: copy / rounds,
      note: 'baseline: Buffer copy of the same bytes',
    }),
  ]);
}
