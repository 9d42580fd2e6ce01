/**
 * Echo round trips per second through real Erlang distribution: erl → TS → erl (the TypeScript
 * node's `echo`) against erl → erl → erl (an Erlang echo process, bench/fixtures/bench_echo.erl),
 * measured in the same run with the same Erlang driver, pipelined (W messages in flight), rounds
 * interleaved, for small tuples and for 1 KiB binaries. Target (issue 15): ≥ 1.0× the Erlang figure.
 *
 *   npm run bench -- erlang [--json] [--quick]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startErlangNode, formatTerm, isTagged, type Term } from '../cluster/erlang/index.ts';
import { ErlNode, cookieHome, freePort } from '../cluster/erlang/testing/erl-node.ts';
import type { BenchContext, BenchRow } from './report.ts';

const BENCH = 'erlang';
const WINDOW = 200;

const PAYLOADS: { metric: string; erl: string }[] = [
  { metric: 'small tuple {a,1,<<"x">>}', erl: '{a, 1, <<"x">>}' },
  { metric: '1 KiB binary', erl: 'binary:copy(<<7>>, 1024)' },
];

function micros(t: Term): number {
  if (!isTagged(t, 'ok', 2) || typeof t.elements[1] !== 'number')
    throw new Error(`driver failed: ${formatTerm(t)}`);
  return t.elements[1];
}

export default async function erlangBench(ctx: BenchContext): Promise<BenchRow[]> {
  const n = ctx.quick ? 5_000 : 100_000;
  const rounds = ctx.quick ? 1 : 3;
  const dir = mkdtempSync(join(tmpdir(), 'bench-erlang-'));
  execFileSync('erlc', [
    '-o',
    dir,
    fileURLToPath(new URL('fixtures/bench_echo.erl', import.meta.url)),
  ]);
  const epmdPort = await freePort();
  const cookie = 'bench-cookie';
  const home = cookieHome(cookie);
  const ts = await startErlangNode({ name: 'ts1@127.0.0.1', cookie, epmdPort });
  const start = (name: string) =>
    new ErlNode({
      name: `${name}@127.0.0.1`,
      epmdPort,
      home,
      ticktimeS: 60,
      extraArgs: ['-pa', dir],
    });
  const driver = start('driver');
  const echo = start('echoer');
  try {
    await Promise.all([driver.ready(), echo.ready()]);
    await echo.eval('bench_echo:start()');
    const rows: BenchRow[] = [];
    for (const p of PAYLOADS) {
      const best = { ts: Infinity, erl: Infinity };
      const run = async (target: string) =>
        micros(
          await driver.eval(
            `bench_echo:run({echo, '${target}'}, ${p.erl}, ${n}, ${WINDOW})`,
            120_000,
          ),
        );
      await run('ts1@127.0.0.1'); // warm-up: connections, JIT
      await run('echoer@127.0.0.1');
      for (let r = 0; r < rounds; r++) {
        best.ts = Math.min(best.ts, await run('ts1@127.0.0.1'));
        best.erl = Math.min(best.erl, await run('echoer@127.0.0.1'));
        ctx.log(`${p.metric}: round ${r + 1}: ts ${best.ts} µs, erl ${best.erl} µs for ${n}`);
      }
      const tsRate = n / (best.ts / 1e6);
      const erlRate = n / (best.erl / 1e6);
      rows.push({
        bench: BENCH,
        metric: `echo round trips, ${p.metric}, ${WINDOW} in flight`,
        value: tsRate,
        unit: 'round trips/s',
        baseline: erlRate,
        ratio: tsRate / erlRate,
        target: '≥ 1.0× erl → erl → erl',
        pass: tsRate / erlRate >= 1.0,
        ...(ctx.quick ? { note: 'quick run: not a measurement' } : {}),
      });
    }
    return rows;
  } finally {
    await driver.stop();
    await echo.stop();
    await ts.close();
  }
}
