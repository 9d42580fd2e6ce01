import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode } from './api.ts';
import { digest, keepOutgoingOnSimultaneous, verifyDigest } from './handshake.ts';
import { startNodes } from './testing.ts';
import { encodeFrame } from './wire/encoder.ts';
import { FrameParser } from './wire/framing.ts';
import { Kind } from './wire/kinds.ts';

let nodes: ClusterNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  nodes = [];
});

describe('handshake — cookie proof and refusals', () => {
  it('handshake — a digest verifies only with the same cookie, role and challenge', () => {
    const d = digest('cookie', 'I', 'challenge');
    expect(verifyDigest('cookie', 'I', 'challenge', d)).toBe(true);
    expect(verifyDigest('other', 'I', 'challenge', d)).toBe(false);
    expect(verifyDigest('cookie', 'A', 'challenge', d)).toBe(false); // no reflection
    expect(verifyDigest('cookie', 'I', 'challengf', d)).toBe(false);
    expect(verifyDigest('cookie', 'I', 'challenge', 'short')).toBe(false);
    expect(d).not.toContain('cookie');
  });

  it('handshake — simultaneous connects keep exactly one side’s outgoing connection', () => {
    expect(keepOutgoingOnSimultaneous('a@h', 'b@h')).toBe(false);
    expect(keepOutgoingOnSimultaneous('b@h', 'a@h')).toBe(true);
  });

  it('handshake — a peer speaking another protocol version is refused with reason version', async () => {
    nodes = await startNodes(1);
    const [a] = nodes as [ClusterNode];
    const reply = await new Promise<{ kind: number; body: unknown }>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port: a.address.port });
      const timer = setTimeout(() => reject(new Error('no reply')), 3000);
      const p = new FrameParser(1 << 16, (buf, start, end) => {
        clearTimeout(timer);
        s.destroy();
        resolve({ kind: buf[start]!, body: JSON.parse(buf.toString('utf8', start + 1, end)) });
      });
      s.on('data', (c: Buffer) => p.push(c));
      s.on('connect', () =>
        s.write(
          encodeFrame(
            Kind.HELLO,
            JSON.stringify({ v: 99, name: 'x@127.0.0.1', hidden: false, addr: '127.0.0.1:1' }),
          ),
        ),
      );
    });
    expect(reply).toEqual({ kind: Kind.REJECT, body: { reason: 'version', name: a.name } });
    expect(a.nodes({ hidden: true })).toEqual([]);
  });
});
