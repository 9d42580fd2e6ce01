import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startNode } from '../../cluster/index.ts';
import type { ClusterNode } from '../../cluster/api.ts';
import { runClient } from './client.ts';

/**
 * A TCP relay that holds every chunk for `delayMs` each way: a node whose handshake takes
 * longer than the client's call timeout, as a loaded machine makes it (real sockets).
 */
function slowRelay(targetPort: number, delayMs: number): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect(targetPort, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    const relay = (from: Socket, to: Socket) =>
      from.on('data', (chunk) => setTimeout(() => to.writable && to.write(chunk), delayMs));
    relay(inbound, outbound);
    relay(outbound, inbound);
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('drill client', () => {
  it('drill client — connects to a node whose handshake takes longer than its call timeout (a loaded node), and says so once ready', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-client-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    // generous runtime bounds: the relay's delay, not a timeout, is what this test is about
    const timings = { ticktimeMs: 20_000, handshakeTimeoutMs: 20_000 };
    const target: ClusterNode = await startNode({ name: 'n1', cookie: 'c', ...timings });
    cleanups.push(() => target.close());
    const port = target.address.port;
    // two round trips of handshake at 1 s each way: about 4 s, past the 3 s call timeout
    const relay = await slowRelay(port, 1_000);
    cleanups.push(() => new Promise((r) => relay.close(r)));
    const relayPort = (relay.address() as { port: number }).port;
    const client = await startNode({ name: 'client0', cookie: 'c', hidden: true, ...timings });
    cleanups.push(() => client.close());

    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const failures: string[] = [];
    const readyAt: number[] = [];
    const started = performance.now();
    const run = runClient({
      node: client,
      target: target.name,
      address: `n1@127.0.0.1:${relayPort}`,
      process: 0,
      stride: 1,
      keys: 1,
      shardCount: 1,
      rate: 5,
      seed: 1,
      histories: { counter: join(dir, 'c.jsonl') },
      t0: process.hrtime.bigint(),
      callTimeoutMs: 3_000,
      finalReads: false,
      stop: Promise.race([stopped, new Promise<void>((r) => setTimeout(r, 40_000))]),
      onReady: () => {
        readyAt.push(performance.now() - started);
        stop();
      },
      onConnectFailure: (reason) => failures.push(reason),
    });
    await run;
    expect(readyAt, `connect failures: ${failures.join(', ')}`).toHaveLength(1);
    expect(client.nodes({ hidden: true })).toContain('n1@127.0.0.1');
    // the first dial made it: it was not aborted at the call timeout and tried again
    expect(failures).toEqual([]);
    expect(readyAt[0]!).toBeGreaterThan(3_000);
    // the one operation sent after ready is in the history (the node has no lab handlers)
    expect(readFileSync(join(dir, 'c.jsonl'), 'utf8')).toContain('"type":"invoke"');
  }, 90_000);
});
