/**
 * What strangers without the cookie can cost a node before the handshake completes, over real
 * sockets from several loopback addresses: memory, sockets held open, and time.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode } from './api.ts';
import { RawPeer } from './testing/attack-kit.ts';
import { closeAll, startNodes, targetOf, until } from './testing/index.ts';
import { Kind } from './wire/kinds.ts';

let nodes: ClusterNode[] = [];
let peers: RawPeer[] = [];
afterEach(async () => {
  for (const p of peers) p.close();
  peers = [];
  await closeAll(nodes);
});

const MiB = 1024 * 1024;

/** A frame header announcing `len` bytes (kind included), then the kind and `body` bytes. */
function announce(len: number, body: number): Buffer {
  const b = Buffer.alloc(5 + body, 0x20);
  b.writeUInt32BE(len, 0);
  b[4] = Kind.HELLO;
  return b;
}

async function open(port: number, n: number, from: string[], bytes: Buffer): Promise<RawPeer[]> {
  const out: RawPeer[] = [];
  for (let i = 0; i < n; i++) {
    const p = RawPeer.dial(port, from[i % from.length]);
    peers.push(p);
    out.push(p);
  }
  await Promise.all(out.map((p) => p.ready));
  for (const p of out) p.socket.write(bytes);
  return out;
}

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Bytes held in array buffers after a full collection: what stays, not what passed through. */
function arrayBuffers(): number {
  gc();
  return process.memoryUsage().arrayBuffers;
}

describe('attacks — before the handshake', () => {
  it('attacks — 150 strangers announcing big frames cost a few KiB each, not what they announce', async () => {
    nodes = await startNodes(2, { handshakeTimeoutMs: 20_000 });
    const [victim, member] = nodes as [ClusterNode, ClusterNode];
    const from = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
    const before = arrayBuffers();
    // half announce a frame just under the 1 MiB frame limit, half one the pre-auth budget
    // allows; each sends part of the body and then stalls
    const big = await open(victim.address.port, 75, from, announce(MiB - 16, 2048));
    const small = await open(victim.address.port, 75, from, announce(3000, 2048));
    await new Promise((r) => setTimeout(r, 300));
    const growth = arrayBuffers() - before;
    expect(growth, `array buffers grew by ${(growth / MiB).toFixed(1)} MiB`).toBeLessThan(4 * MiB);
    // an announced frame bigger than the pre-auth budget closes the socket at once
    await until(() => big.every((p) => p.closed), 5_000, 'big announcements closed');
    expect(small.filter((p) => p.closed)).toHaveLength(0);
    // the node still serves its members
    expect(await member.connect(targetOf(victim))).toBe(true);
    expect(victim.nodes()).toEqual([member.name]);
  });

  it('attacks — a stranger may send only a few KiB before the handshake completes', async () => {
    nodes = await startNodes(1, { handshakeTimeoutMs: 20_000 });
    const [victim] = nodes as [ClusterNode];
    // 8 KiB is a modest frame for a member, and more than a stranger may send in all
    const [p] = await open(victim.address.port, 1, ['127.0.0.2'], announce(8 * 1024, 1024));
    await until(() => p!.closed, 2_000, 'socket closed');
    expect(victim.stats().protocol_errors).toBe(1);
  });

  it('attacks — pending handshakes are capped per address and in all, then time out', async () => {
    nodes = await startNodes(2, {
      handshakeTimeoutMs: 1_500,
      maxPendingHandshakes: 20,
      maxPendingHandshakesPerAddress: 8,
    });
    const [victim, member] = nodes as [ClusterNode, ClusterNode];
    const one = await open(victim.address.port, 30, ['127.0.0.2'], Buffer.alloc(0));
    await until(() => one.filter((p) => p.closed).length >= 22, 5_000, 'per-address cap');
    expect(one.filter((p) => !p.closed)).toHaveLength(8);
    // a member on another address is not held up by one noisy address
    expect(await member.connect(targetOf(victim))).toBe(true);
    const many = await open(
      victim.address.port,
      40,
      ['127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7'],
      Buffer.alloc(0),
    );
    await until(() => many.filter((p) => !p.closed).length <= 12, 5_000, 'total cap');
    expect(many.filter((p) => !p.closed)).toHaveLength(12);
    expect(victim.stats().handshakes_refused_busy).toBe(22 + 28);
    // the rest are dropped at the handshake timeout, and new ones are welcome again
    await until(() => [...one, ...many].every((p) => p.closed), 5_000, 'handshake timeout');
    expect(victim.stats().handshake_timeouts).toBe(20);
    const [late] = await open(victim.address.port, 1, ['127.0.0.2'], Buffer.alloc(0));
    await new Promise((r) => setTimeout(r, 200));
    expect(late!.closed).toBe(false);
    expect(victim.nodes()).toEqual([member.name]);
  });
});
