import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode, Logger } from './api.ts';
import { PROTOCOL_VERSION } from './constants.ts';
import { newChallenge, transcriptMac } from './handshake.ts';
import { encodeFrame } from './wire/encoder.ts';
import { FrameParser } from './wire/framing.ts';
import { Kind } from './wire/kinds.ts';
import { closeAll, COOKIE, startNodes, targetOf } from './testing/index.ts';

let nodes: ClusterNode[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await closeAll(nodes);
});

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

/** Opens a raw socket, writes `bytes`, resolves when the node closes it (or after `ms`). */
function probe(
  port: number,
  bytes: Buffer[],
  endAfter: boolean,
  ms = 3000,
): Promise<'closed' | 'open'> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    sockets.push(s);
    const timer = setTimeout(() => resolve('open'), ms);
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    s.on('connect', () => {
      for (const b of bytes) s.write(b);
      if (endAfter) s.end();
    });
  });
}

/** Completes a real handshake by hand, then writes `garbage`; resolves when the node closes. */
function afterHandshake(port: number, garbage: Buffer): Promise<'closed' | 'open'> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    sockets.push(s);
    const timer = setTimeout(() => resolve('open'), 3000);
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    const name = `fz${Math.floor(Math.random() * 1e9)}@127.0.0.1`;
    const hello = Buffer.from(
      JSON.stringify({
        v: PROTOCOL_VERSION,
        name,
        hidden: true,
        addr: '127.0.0.1:1',
        tls: false,
        boot: 'fuzz',
        to: '',
      }),
    );
    const parser = new FrameParser(1 << 20, (buf, start, end) => {
      const kind = buf[start];
      if (kind === Kind.CHALLENGE) {
        const t = {
          hello,
          challenge: Buffer.from(buf.subarray(start + 1, end)),
          initiatorChallenge: newChallenge(),
        };
        const reply = { challenge: t.initiatorChallenge, digest: transcriptMac(COOKIE, 'I', t) };
        s.write(encodeFrame(Kind.CHALLENGE_REPLY, JSON.stringify(reply)));
      } else if (kind === Kind.CHALLENGE_ACK) {
        s.write(garbage);
      }
    });
    s.on('data', (c: Buffer) => {
      try {
        parser.push(c);
      } catch {
        /* only handshake frames are parsed here */
      }
    });
    s.on('connect', () => s.write(encodeFrame(Kind.HELLO, hello)));
  });
}

describe('fuzz — live socket', () => {
  it('fuzz — garbage, truncated, oversized and unknown frames close only that connection', async () => {
    const warnings: string[] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn: (m) => warnings.push(m),
      error: (m) => warnings.push(m),
    };
    nodes = await startNodes(2, { handshakeTimeoutMs: 1000, logger });
    const [victim, good] = nodes as [ClusterNode, ClusterNode];
    victim.handle('echo', (x) => x);
    await good.connect(targetOf(victim));
    const r = rng(42);
    const oversized = Buffer.alloc(4);
    oversized.writeUInt32BE(0x7fffffff);
    const inputs: Buffer[] = [];
    for (let i = 0; i < 240; i++) {
      const m = i % 4;
      if (m === 0)
        inputs.push(
          Buffer.from(
            Array.from({ length: 1 + Math.floor(r() * 40) }, () => Math.floor(r() * 256)),
          ),
        );
      else if (m === 1) inputs.push(oversized);
      else if (m === 2)
        inputs.push(encodeFrame(100 + Math.floor(r() * 100), 'zz')); // unknown kind
      else
        inputs.push(
          encodeFrame(Kind.HELLO, '{"v":1,"name":"x@h"').subarray(0, 3 + Math.floor(r() * 10)),
        ); // truncated
    }
    // pre-handshake: in batches, each socket ends after its bytes (truncation is then visible)
    for (let i = 0; i < inputs.length; i += 60) {
      const res = await Promise.all(
        inputs.slice(i, i + 60).map((b) => probe(victim.address.port, [b], true)),
      );
      expect(res.every((x) => x === 'closed')).toBe(true);
      expect(await good.call(victim.name, 'echo', i)).toBe(i); // still serving
    }
    // post-handshake garbage: the link is torn down with a protocol error
    const post: Buffer[] = [];
    for (let i = 0; i < 60; i++) {
      const m = i % 3;
      if (m === 0) post.push(encodeFrame(200, 'unknown kind'));
      else if (m === 1)
        post.push(
          Buffer.concat([encodeFrame(Kind.SEND, Buffer.from([3, 97])), encodeFrame(Kind.TICK)]),
        );
      else post.push(oversized);
    }
    const res = await Promise.all(post.map((g) => afterHandshake(victim.address.port, g)));
    expect(res.every((x) => x === 'closed')).toBe(true);
    expect(await good.call(victim.name, 'echo', 'still here')).toBe('still here');
    expect(victim.nodes()).toEqual([good.name]);
    expect(victim.stats().protocol_errors).toBeGreaterThanOrEqual(200);
    expect(warnings.some((w) => w.includes('protocol error'))).toBe(true);
  });

  it('fuzz — a peer that never finishes the handshake is dropped after the timeout', async () => {
    nodes = await startNodes(1, { handshakeTimeoutMs: 200 });
    const [victim] = nodes as [ClusterNode];
    const t0 = Date.now();
    expect(await probe(victim.address.port, [], false, 3000)).toBe('closed');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(victim.stats().handshake_timeouts).toBe(1);
  });
});
