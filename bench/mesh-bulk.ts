/**
 * The bulk rows of the mesh bench (issue #17 §1): single large messages (1, 16, 64, 256 MiB)
 * between two node processes, against raw TCP sending the same payloads in the same run, with
 * the tick gaps of the link, the p99 of RPC echo calls made beside the transfer on the same link
 * (and the order of small numbered sends), and the peak RSS growth of each side.
 */
import {
  procMinorFaults,
  procRssBytes,
  startPair,
  START_TIMEOUT_MS,
  type Bundles,
  type Fixture,
} from './fixtures/mesh-procs.ts';
import { meshRow as row, type BenchRow } from './fixtures/mesh-rows.ts';

const MiB = 1024 * 1024;
const RUN_TIMEOUT_MS = 120_000;
/** Sizes of the issue; each round sends max(2, 256 MiB / size) messages of one size. */
export const BULK_SIZES_MIB = [1, 16, 64, 256] as const;
const RSS_POLL_MS = 5;

interface BulkResult {
  elapsedMs: number;
  calls: number;
  rpcP50Us: number;
  rpcP99Us: number;
  tickGapMaxMs: number;
  silenceGapMaxMs: number;
  loopDelayMaxMs: number;
}

interface Round {
  rawBps: number;
  nodeBps: number;
  result: BulkResult;
  /** the longest silence the receiver heard on the link */
  rxSilenceMs: number;
  rxTickOutGapMs: number;
  txRssGrowth: number;
  rxRssGrowth: number;
  seqHeard: number;
  seqOutOfOrder: number;
  /** minor page faults of each receiver per MiB received: fresh pages its buffers touched */
  rawRxFaultsPerMiB: number;
  rxFaultsPerMiB: number;
}

/** Polls the RSS of `pids` from /proc (independent of their event loops) until stopped. */
function rssPeaks(pids: readonly number[]): () => Promise<number[]> {
  const peaks = pids.map(() => 0);
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const now = await Promise.all(pids.map((p) => procRssBytes(p).catch(() => 0)));
      now.forEach((v, i) => (peaks[i] = Math.max(peaks[i]!, v)));
      await new Promise((r) => setTimeout(r, RSS_POLL_MS));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return peaks;
  };
}

async function oneRound(
  raw: { rx: Fixture; tx: Fixture },
  rx: Fixture,
  tx: Fixture,
  size: number,
  count: number,
  small: boolean,
  log: (line: string) => void,
): Promise<Round> {
  const rawFaults0 = await procMinorFaults(raw.rx.child.pid);
  const rawResult = await raw.tx.request<{ elapsedMs: number }>(
    { cmd: 'throughput', port: raw.rx.port, size, count, batch: 1 },
    RUN_TIMEOUT_MS,
  );
  const rawFaults = (await procMinorFaults(raw.rx.child.pid)) - rawFaults0;
  await tx.request({ cmd: 'bulk-prepare', size }, RUN_TIMEOUT_MS);
  // a loaded machine can stall a process past a short ticktime between rounds: link again
  // (true at once when still linked) and say so, since it tells on the figures
  const linked = await tx.request<{ ok: boolean; wasLinked: boolean }>(
    { cmd: 'connect', target: `${rx.name}:${rx.port}` },
    START_TIMEOUT_MS,
  );
  if (!linked.wasLinked) log(`bulk: the link had gone down before this round; linked again`);
  await rx.request({ cmd: 'gc' }, RUN_TIMEOUT_MS);
  await rx.request({ cmd: 'seq-stats' }, 5_000);
  const [txBase, rxBase] = await Promise.all([
    procRssBytes(tx.child.pid),
    procRssBytes(rx.child.pid),
  ]);
  await rx.request({ cmd: 'gaps-start', node: tx.name }, 5_000);
  const stopRss = rssPeaks([tx.child.pid, rx.child.pid]);
  const rxFaults0 = await procMinorFaults(rx.child.pid);
  const result = await tx.request<BulkResult>(
    { cmd: 'bulk', node: rx.name, count, small },
    RUN_TIMEOUT_MS,
  );
  const rxFaults = (await procMinorFaults(rx.child.pid)) - rxFaults0;
  const [txPeak, rxPeak] = await stopRss();
  const heard = await rx.request<{ silenceGapMaxMs: number; tickOutGapMaxMs: number }>(
    { cmd: 'gaps-stop' },
    5_000,
  );
  const seq = await rx.request<{ heard: number; outOfOrder: number }>({ cmd: 'seq-stats' }, 5_000);
  return {
    rawBps: (size * count * 1000) / rawResult.elapsedMs,
    nodeBps: (size * count * 1000) / result.elapsedMs,
    result,
    rxSilenceMs: heard.silenceGapMaxMs,
    rxTickOutGapMs: heard.tickOutGapMaxMs,
    txRssGrowth: txPeak! - txBase,
    rxRssGrowth: rxPeak! - rxBase,
    seqHeard: seq.heard,
    seqOutOfOrder: seq.outOfOrder,
    rawRxFaultsPerMiB: (rawFaults * MiB) / (size * count),
    rxFaultsPerMiB: (rxFaults * MiB) / (size * count),
  };
}

/**
 * Per size: raw TCP and node rounds interleaved (best of 3, or 1 with `quick`), the node rounds
 * alternately without and with small traffic beside the transfer. Throughput is the best round
 * of either kind; tick gaps, RSS growth and the RPC p99 are the worst seen.
 */
export async function bulkRows(
  bundles: Bundles,
  options: { quick: boolean; ticktimeMs: number; sizesMiB?: readonly number[] },
  log: (line: string) => void,
): Promise<BenchRow[]> {
  const { quick, ticktimeMs } = options;
  const tickIntervalMs = ticktimeMs / 4;
  const gapBound = 2 * tickIntervalMs;
  const { rawRx, rawTx, rx, tx } = await startPair(bundles, 'bulk-', ticktimeMs);
  // The baseline of the RPC p99 beside a transfer: the same calls on the same link, idle
  const idle = await tx.request<{ calls: number; rpcP99Us: number }>(
    { cmd: 'small', node: rx.name, durationMs: quick ? 1_000 : 3_000 },
    RUN_TIMEOUT_MS,
  );
  log(`idle link: ${idle.calls} echo calls, p99 ${idle.rpcP99Us.toFixed(0)} µs`);
  const rows: BenchRow[] = [];
  for (const mib of options.sizesMiB ?? BULK_SIZES_MIB) {
    const size = mib * MiB;
    const count = Math.max(2, Math.floor(256 / mib));
    const rounds: Round[] = [];
    for (let i = 0; i < (quick ? 2 : 4); i++) {
      const r = await oneRound({ rx: rawRx, tx: rawTx }, rx, tx, size, count, i % 2 === 1, log);
      log(
        `bulk ${mib} MiB ×${count} round ${i + 1}${i % 2 === 1 ? ' (with RPC)' : ''}: ` +
          `raw ${(r.rawBps / 1e6).toFixed(0)} MB/s, node ${(r.nodeBps / 1e6).toFixed(0)} MB/s; ` +
          `the sender heard nothing for ${r.result.silenceGapMaxMs.toFixed(0)} ms at most, the receiver ` +
          `silence ${r.rxSilenceMs.toFixed(0)} ms, its tick sends max gap ${r.rxTickOutGapMs.toFixed(0)} ms; ` +
          `loop delay ${r.result.loopDelayMaxMs.toFixed(0)} ms; RSS growth tx ` +
          `${(r.txRssGrowth / MiB).toFixed(0)} MiB rx ${(r.rxRssGrowth / MiB).toFixed(0)} MiB; ` +
          `receiver page faults per MiB raw ${r.rawRxFaultsPerMiB.toFixed(0)} node ${r.rxFaultsPerMiB.toFixed(0)}` +
          (i % 2 === 1
            ? `; ${r.result.calls} calls p50 ${r.result.rpcP50Us.toFixed(0)} µs p99 ` +
              `${r.result.rpcP99Us.toFixed(0)} µs; ${r.seqHeard} sends, ${r.seqOutOfOrder} out of order`
            : ''),
      );
      rounds.push(r);
    }
    const best = rounds.reduce((a, b) => (b.nodeBps / b.rawBps > a.nodeBps / a.rawBps ? b : a));
    const plain = rounds.filter((_, i) => i % 2 === 0);
    const withRpc = rounds.filter((_, i) => i % 2 === 1);
    // Liveness, in rounds without RPC: the longest time either end heard nothing from the other
    // (ticks, or the fragments and their acknowledgements, which are traffic: no tick is due
    // while they flow), against the tick interval.
    const tickGap = Math.max(
      ...plain.map((r) => Math.max(r.result.silenceGapMaxMs, r.rxSilenceMs)),
    );
    const p99 = Math.max(...withRpc.map((r) => r.result.rpcP99Us));
    const outOfOrder = withRpc.reduce((s, r) => s + r.seqOutOfOrder, 0);
    const heardSeq = withRpc.reduce((s, r) => s + r.seqHeard, 0);
    const txGrowth = Math.max(...rounds.map((r) => r.txRssGrowth));
    const rxGrowth = Math.max(...rounds.map((r) => r.rxRssGrowth));
    const ratio = best.nodeBps / best.rawBps;
    rows.push(
      row(
        `bulk_${mib}MiB`,
        best.nodeBps,
        'B/s',
        { text: '≥ 75% of raw', pass: ratio >= 0.75 },
        best.rawBps,
      ),
      row(`bulk_${mib}MiB_tick_gap`, tickGap, 'ms', {
        text: `≤ ${gapBound} ms (2 × ticktime ${ticktimeMs}/4)`,
        pass: tickGap <= gapBound,
      }),
      row(
        `bulk_${mib}MiB_rpc_p99`,
        p99,
        'µs',
        { text: 'sends in order', pass: outOfOrder === 0 && heardSeq > 0 },
        idle.rpcP99Us,
        `baseline: the same calls on the idle link; ${withRpc.reduce((s, r) => s + r.result.calls, 0)} calls beside the transfer; ${heardSeq} numbered sends, ${outOfOrder} out of order`,
      ),
    );
    if (mib === 256 || mib === Math.max(...(options.sizesMiB ?? BULK_SIZES_MIB))) {
      rows.push(
        row(`bulk_${mib}MiB_rss_growth_sender`, txGrowth / MiB, 'MiB', {
          text: `≤ ${3 * mib} MiB (3 × payload)`,
          pass: txGrowth <= 3 * size,
        }),
        row(`bulk_${mib}MiB_rss_growth_receiver`, rxGrowth / MiB, 'MiB', {
          text: `≤ ${3 * mib} MiB (3 × payload)`,
          pass: rxGrowth <= 3 * size,
        }),
      );
    }
  }
  await Promise.all([rx, tx].map((f) => f.request({ cmd: 'exit' }, 5_000).catch(() => undefined)));
  return rows;
}
