/**
 * What watching costs a BEAM node: 10 real `erl` nodes (the lab's demo in `idle` mode: meshed,
 * no demo traffic) are polled by the observer at 1 Hz, and each node's own CPU time
 * (`erlang:statistics(runtime)`, all its threads) over a window with polling is compared with a
 * window without it, in the same run, windows interleaved. Target (issue 16): polling costs each
 * node under 1% of a core.
 *
 *   npm run bench -- beam-poll [--json] [--quick]
 *
 * Starts 20 processes (10 beam.smp and their helpers): run it under `flock /tmp/heavy-run.lock`.
 */
import { Tuple, atom, startErlangNode, type Term } from '../cluster/erlang/index.ts';
import type { SnapshotAck } from '../protocol/agent.ts';
import { BeamLab } from '../server/beam/lab/beam-lab.ts';
import { findErlTools } from '../server/beam/lab/erl.ts';
import { startBeamObserver } from '../server/beam/observer/observer.ts';
import { scrubbedEnv } from '../server/env.ts';
import type { BenchContext, BenchRow } from './report.ts';

const BENCH = 'beam-poll';
const NODES = 10;
const TARGET_PERCENT = 1;

/** `{Total, SinceLastCall}` of `erlang:statistics(runtime)`: CPU ms of all the node's threads. */
function runtimeMs(t: Term): number {
  if (!(t instanceof Tuple) || t.elements.length !== 2)
    throw new Error('unexpected statistics(runtime) reply');
  return Number(t.elements[0]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export default async function beamPollBench(ctx: BenchContext): Promise<BenchRow[]> {
  const windowMs = ctx.quick ? 5_000 : 20_000;
  const rounds = ctx.quick ? 1 : 3;
  const lab = new BeamLab({
    count: NODES,
    tools: findErlTools(process.env.PATH ?? ''),
    env: scrubbedEnv(),
    demo: 'idle',
  });
  ctx.log(`${BENCH}: starting ${NODES} erl nodes`);
  await lab.start();
  // A separate hidden node reads the CPU counters, so the observer's own link is not measured.
  const meter = await startErlangNode({
    name: 'bench_meter@127.0.0.1',
    cookie: lab.cookie,
    epmdPort: lab.epmdPort,
    publish: false,
    embeddedEpmd: false,
    echo: false,
  });
  let snapshots = 0;
  const ingest = {
    attachLocal: () => ({
      submit: (): Promise<SnapshotAck> => {
        snapshots++;
        return Promise.resolve({ ok: true, ackedSeq: snapshots });
      },
      close: () => {},
    }),
  };
  const cpu = async (): Promise<number[]> =>
    Promise.all(
      lab
        .names()
        .map(async (n) =>
          runtimeMs(await meter.call(n, 'erlang', 'statistics', [atom('runtime')])),
        ),
    );
  const window = async (): Promise<number[]> => {
    const before = await cpu();
    await sleep(windowMs);
    const after = await cpu();
    return after.map((a, i) => ((a - before[i]!) / windowMs) * 100);
  };
  const idle: number[][] = [];
  const polled: number[][] = [];
  let polls = 0;
  let skipped = 0;
  try {
    await sleep(3_000); // let the mesh settle
    for (let r = 0; r < rounds; r++) {
      ctx.log(`${BENCH}: round ${r + 1}/${rounds}: ${windowMs} ms unwatched`);
      idle.push(await window());
      const observer = await startBeamObserver({
        nodes: lab.names(),
        cookie: lab.cookie,
        ingest,
        epmdPort: lab.epmdPort,
      });
      const deadline = performance.now() + 15_000;
      while (observer.connected().length < NODES && performance.now() < deadline) await sleep(200);
      ctx.log(`${BENCH}: round ${r + 1}/${rounds}: ${windowMs} ms polled at 1 Hz`);
      polled.push(await window());
      polls += observer.stats.polls;
      skipped += observer.stats.skipped;
      await observer.close();
    }
  } finally {
    await meter.close();
    await lab.stop();
  }
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  // per node: mean over rounds of polled minus idle
  const perNode = lab.names().map((_, i) => ({
    idle: mean(idle.map((w) => w[i]!)),
    polled: mean(polled.map((w) => w[i]!)),
  }));
  const cost = perNode.map((p) => p.polled - p.idle);
  const worst = Math.max(...cost);
  return [
    {
      bench: BENCH,
      metric: `poll cost, worst of ${NODES} nodes`,
      value: +worst.toFixed(3),
      unit: '% of a core',
      baseline: +Math.max(...perNode.map((p) => p.idle)).toFixed(3),
      target: `< ${TARGET_PERCENT}% of a core`,
      pass: worst < TARGET_PERCENT,
      note: 'erlang:statistics(runtime) polled − unwatched, same run; baseline: unwatched node',
    },
    {
      bench: BENCH,
      metric: `poll cost, mean of ${NODES} nodes`,
      value: +mean(cost).toFixed(3),
      unit: '% of a core',
      baseline: +mean(perNode.map((p) => p.idle)).toFixed(3),
    },
    {
      bench: BENCH,
      metric: 'polls started / skipped',
      value: polls,
      unit: 'polls',
      note: `${skipped} skipped (previous poll still running); ${snapshots} snapshots`,
    },
  ];
}
