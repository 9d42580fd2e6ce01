/**
 * erl → erl echo round trips per second through the BEAM distribution proxy against the same
 * pair connected directly, in the same run, rounds interleaved: two driver/echo pairs of real
 * `erl` nodes, one registered with a plain EPMD, one with the proxy's. Small tuples pipelined
 * (200 in flight) and one at a time, and 64 KiB binaries (16 in flight). Also the proxy's CPU
 * time per forwarded MiB (this process's CPU while the proxied runs last, over the bytes the
 * proxy counted), per payload. Target (issue 16): ≥ 0.9× direct for small messages.
 *
 *   npm run bench -- beam-proxy [--json] [--quick]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTerm, isTagged, type Term } from '../cluster/erlang/index.ts';
import { startEmbeddedEpmd } from '../cluster/erlang/epmd/server.ts';
import { ErlNode, cookieHome } from '../cluster/erlang/testing/erl-node.ts';
import { startBeamProxy } from '../server/beam/proxy/beam-proxy.ts';
import type { BenchContext, BenchRow } from './report.ts';

const BENCH = 'beam-proxy';

interface Case {
  readonly metric: string;
  readonly erl: string;
  readonly window: number;
  readonly n: number;
  readonly target?: number;
}

function micros(t: Term): number {
  if (!isTagged(t, 'ok', 2) || typeof t.elements[1] !== 'number')
    throw new Error(`driver failed: ${formatTerm(t)}`);
  return t.elements[1];
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

export default async function beamProxyBench(ctx: BenchContext): Promise<BenchRow[]> {
  const scale = ctx.quick ? 0.05 : 1;
  const rounds = ctx.quick ? 1 : 3;
  const cases: Case[] = [
    {
      metric: 'small tuple {a,1,<<"x">>}, 200 in flight',
      erl: '{a, 1, <<"x">>}',
      window: 200,
      n: 100_000,
      target: 0.9,
    },
    {
      metric: 'small tuple {a,1,<<"x">>}, 1 in flight',
      erl: '{a, 1, <<"x">>}',
      window: 1,
      n: 5_000,
    },
    {
      metric: '64 KiB binary, 16 in flight',
      erl: 'binary:copy(<<7>>, 65536)',
      window: 16,
      n: 2_000,
    },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'bench-beam-proxy-'));
  execFileSync('erlc', [
    '-o',
    dir,
    fileURLToPath(new URL('fixtures/bench_echo.erl', import.meta.url)),
  ]);
  const home = cookieHome('bench-beam-proxy');
  const plain = await startEmbeddedEpmd({ host: '127.0.0.1', port: 0, logger: silent });
  const proxy = await startBeamProxy();
  const start = (name: string, epmdPort: number) =>
    new ErlNode({
      name: `${name}@127.0.0.1`,
      epmdPort,
      home,
      ticktimeS: 60,
      extraArgs: ['-pa', dir],
    });
  const nodes = {
    directDriver: start('ddriver', plain.port),
    directEcho: start('decho', plain.port),
    proxiedDriver: start('pdriver', proxy.epmdPort),
    proxiedEcho: start('pecho', proxy.epmdPort),
  };
  const all = Object.values(nodes);
  try {
    await Promise.all(all.map((n) => n.ready()));
    await nodes.directEcho.eval('bench_echo:start()');
    await nodes.proxiedEcho.eval('bench_echo:start()');
    const rows: BenchRow[] = [];
    const cpuRows: BenchRow[] = [];
    const forwarded = () =>
      ['pdriver@127.0.0.1', 'pecho@127.0.0.1']
        .flatMap((n) => proxy.traffic(n).channels)
        .filter((f) => f.direction === 'out')
        .reduce((s, f) => s + f.bytes, 0);
    for (const c of cases) {
      let proxiedCpuUs = 0;
      let proxiedBytes = 0;
      const n = Math.max(c.window * 2, Math.round(c.n * scale));
      const run = async (driver: ErlNode, target: string) =>
        micros(
          await driver.eval(
            `bench_echo:run({echo, '${target}'}, ${c.erl}, ${n}, ${c.window})`,
            300_000,
          ),
        );
      const direct = () => run(nodes.directDriver, 'decho@127.0.0.1');
      const proxied = async () => {
        forwarded();
        const cpu = process.cpuUsage();
        const us = await run(nodes.proxiedDriver, 'pecho@127.0.0.1');
        const used = process.cpuUsage(cpu);
        proxiedCpuUs += used.user + used.system;
        proxiedBytes += forwarded();
        return us;
      };
      await direct(); // warm-up: connections, JIT
      await proxied();
      const best = { direct: Infinity, proxied: Infinity };
      for (let r = 0; r < rounds; r++) {
        best.proxied = Math.min(best.proxied, await proxied());
        best.direct = Math.min(best.direct, await direct());
        ctx.log(
          `${c.metric}: round ${r + 1}: proxied ${best.proxied} µs, direct ${best.direct} µs for ${n}`,
        );
      }
      const rate = n / (best.proxied / 1e6);
      const base = n / (best.direct / 1e6);
      rows.push({
        bench: BENCH,
        metric: `echo round trips, ${c.metric}`,
        value: rate,
        unit: 'round trips/s',
        baseline: base,
        ratio: rate / base,
        ...(c.target !== undefined && {
          target: `≥ ${c.target}× direct`,
          pass: rate / base >= c.target,
        }),
        ...(ctx.quick ? { note: 'quick run: not a measurement' } : {}),
      });
      cpuRows.push({
        bench: BENCH,
        metric: `proxy CPU per forwarded MiB, ${c.metric}`,
        value: proxiedCpuUs / 1000 / (proxiedBytes / 2 ** 20),
        unit: 'ms/MiB',
        note: `${(proxiedBytes / 2 ** 20).toFixed(0)} MiB counted, ${(proxiedCpuUs / 1e6).toFixed(2)} s CPU`,
      });
    }
    return [...rows, ...cpuRows];
  } finally {
    await Promise.all(all.map((n) => n.stop()));
    await proxy.close();
    await plain.close();
  }
}
