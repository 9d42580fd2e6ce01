/**
 * Handshake benchmark: node-to-node handshakes per second (a `connect` by name until the link is
 * up, then a disconnect, in one process) beside a raw TCP baseline measured in the same run: a
 * fresh socket and the same four length-prefixed messages of the same sizes, with no cookie
 * proof, JSON or admission. Rounds alternate so that machine noise hits both alike.
 *
 *   npm run bench -- handshake [--json] [--quick]     (or: npx tsx bench/handshake.bench.ts)
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { startNode } from '../cluster/index.ts';
import type { ClusterNode } from '../cluster/api.ts';
import type { BenchContext, BenchRow } from './report.ts';
import { runDirectly } from './run-directly.ts';

const BENCH = 'handshake';
/** the sizes of HELLO, CHALLENGE, CHALLENGE_REPLY and CHALLENGE_ACK bodies, roughly */
const MESSAGE_BYTES = [120, 180, 110, 60];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function frame(n: number): Buffer {
  const b = Buffer.alloc(4 + n, 0x61);
  b.writeUInt32BE(n, 0);
  return b;
}

/** Reads length-prefixed frames from a socket and calls `onFrame` for each. */
function frames(s: net.Socket, onFrame: () => void): void {
  let buf: Buffer = Buffer.alloc(0);
  s.on('data', (c: Buffer) => {
    buf = buf.length === 0 ? c : Buffer.concat([buf, c]);
    while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
      buf = buf.subarray(4 + buf.readUInt32BE(0));
      onFrame();
    }
  });
}

/** A raw TCP server answering message 1 with 2 and 3 with 4, as an acceptor would. */
async function rawServer(): Promise<net.Server> {
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    let n = 0;
    frames(s, () => {
      n++;
      if (n === 1) s.write(frame(MESSAGE_BYTES[1]!));
      else if (n === 2) s.write(frame(MESSAGE_BYTES[3]!));
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

function rawHandshake(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.setNoDelay(true);
    let n = 0;
    s.on('error', reject);
    s.on('connect', () => s.write(frame(MESSAGE_BYTES[0]!)));
    frames(s, () => {
      n++;
      if (n === 1) s.write(frame(MESSAGE_BYTES[2]!));
      else {
        s.destroy();
        resolve();
      }
    });
  });
}

async function nodeHandshake(a: ClusterNode, b: ClusterNode): Promise<number> {
  const t = performance.now();
  if (!(await a.connect(`${b.name}:${b.address.port}`))) throw new Error('connect failed');
  const ms = performance.now() - t;
  const down = new Promise<void>((resolve) => {
    const off = b.monitorNodes((e) => {
      if (e.event !== 'nodedown') return;
      off();
      resolve();
    });
  });
  a.disconnect(b.name);
  await down;
  return ms;
}

export async function runHandshakeBench(options: { quick?: boolean; log?: (l: string) => void }) {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const perRound = options.quick ? 100 : 400;
  const rounds = options.quick ? 3 : 7;
  const cookie = randomBytes(16).toString('hex');
  const a = await startNode({ name: 'hsa', cookie });
  const b = await startNode({ name: 'hsb', cookie });
  const server = await rawServer();
  const port = (server.address() as net.AddressInfo).port;
  const nodeRates: number[] = [];
  const rawRates: number[] = [];
  try {
    for (let i = 0; i < 50; i++) await nodeHandshake(a, b); // warm-up
    for (let i = 0; i < 50; i++) await rawHandshake(port);
    log(`handshake bench: ${rounds} rounds of ${perRound} handshakes each way`);
    for (let r = 0; r < rounds; r++) {
      const t = performance.now();
      for (let i = 0; i < perRound; i++) await rawHandshake(port);
      rawRates.push(perRound / ((performance.now() - t) / 1000));
      // only the connect is timed: the disconnect that makes room for the next one is not
      let sum = 0;
      for (let i = 0; i < perRound; i++) sum += await nodeHandshake(a, b);
      nodeRates.push(perRound / (sum / 1000));
      log(
        `  round ${r + 1}: node ${nodeRates.at(-1)!.toFixed(0)}/s, raw ${rawRates.at(-1)!.toFixed(0)}/s`,
      );
    }
  } finally {
    await a.close();
    await b.close();
    server.close();
  }
  const node = median(nodeRates);
  const raw = median(rawRates);
  const rows: BenchRow[] = [
    {
      bench: BENCH,
      metric: 'node handshakes per second (connect by name until up, median of rounds)',
      value: Math.round(node),
      unit: '/s',
      baseline: Math.round(raw),
      ratio: node / raw,
    },
  ];
  return rows;
}

export default async function run(ctx: BenchContext): Promise<BenchRow[]> {
  return runHandshakeBench({ quick: ctx.quick, log: ctx.log });
}

await runDirectly(import.meta.url, run);
