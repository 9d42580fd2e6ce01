/**
 * A connection that reaches the proxy while its pair is cut, over real sockets: the destination
 * hears of it only if the initiator still waits when the cut ends. One given up during the cut
 * is gone, as a SYN dropped by a dead cable is: replaying its handshake to the destination after
 * the heal would leave the destination a stale pending connection from the initiator, and
 * distributed Erlang refuses the initiator's next, real attempt while that one is pending
 * (`nok_pending` when the destination's name is the greater).
 */
import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBeamProxy, type BeamProxy } from './beam-proxy.ts';
import { registerVictim, type Victim } from './testing/victim.ts';

let proxy: BeamProxy;
let victim: Victim;
/** what each connection that reached the node sent, in arrival order */
let arrived: Buffer[][];
let sockets: Socket[];

const VICTIM = 'victim@127.0.0.1';

beforeEach(async () => {
  proxy = await startBeamProxy();
  arrived = [];
  sockets = [];
  victim = await registerVictim(proxy, (s) => {
    sockets.push(s);
    const got: Buffer[] = [];
    arrived.push(got);
    s.on('data', (d: Buffer) => got.push(d));
    s.on('error', () => undefined);
  });
});

afterEach(async () => {
  await proxy.close();
  for (const s of sockets) s.destroy();
  await victim.close();
});

/** A version-6 send_name ('N') packet, as a dialing node's first bytes. */
function sendName(name: string): Buffer {
  const n = Buffer.from(name);
  const body = Buffer.concat([
    Buffer.from('N'),
    Buffer.alloc(8),
    Buffer.alloc(4),
    Buffer.of(0, n.length),
    n,
  ]);
  return Buffer.concat([Buffer.of(0, body.length), body]);
}

function dial(name: string): Promise<Socket> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: proxy.proxyPort('victim')! }, () => {
      s.write(sendName(name));
      resolve(s);
    });
    s.on('error', () => undefined);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > timeoutMs)
      throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

const cut = (node: string, id: string) =>
  proxy.faults.command(node, { id, type: 'partition', args: { peers: [VICTIM] }, ttlMs: 60_000 });
const heal = (node: string, id: string) => proxy.faults.command(node, { id, type: 'heal' });
const names = () => arrived.map((bufs) => Buffer.concat(bufs).toString('latin1'));

describe('beam proxy cut', () => {
  for (const how of ['end', 'destroy'] as const) {
    it(`beam proxy cut — a dial given up (${how}) while cut never reaches the node after heal`, async () => {
      expect(cut('ghost@127.0.0.1', 'c1').ok).toBe(true);
      const s = await dial('ghost@127.0.0.1');
      await until('the proxy holds the dial', () => proxy.connections() === 1);
      if (how === 'end') s.end();
      else s.destroy();
      // Seen at once, though the pair is cut: nothing of it had reached the node.
      await until('the dial is dropped', () => proxy.connections() === 0);
      expect(heal('ghost@127.0.0.1', 'h1').ok).toBe(true);
      // A later dial from the same node goes through, and is the only one the node ever sees.
      const again = await dial('ghost@127.0.0.1');
      await until('the new dial arrives', () => names().some((n) => n.includes('ghost')));
      await sleep(200);
      expect(arrived).toHaveLength(1);
      again.destroy();
    });
  }

  it('beam proxy cut — a dial still waiting when the cut ends reaches the node then', async () => {
    expect(cut('patient@127.0.0.1', 'c1').ok).toBe(true);
    const s = await dial('patient@127.0.0.1');
    await sleep(300);
    expect(arrived).toHaveLength(0);
    expect(heal('patient@127.0.0.1', 'h1').ok).toBe(true);
    await until('the held dial arrives', () => names().some((n) => n.includes('patient')));
    expect(arrived).toHaveLength(1);
    s.destroy();
  });
});
