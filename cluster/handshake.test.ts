import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode } from './api.ts';
import { PROTOCOL_VERSION } from './constants.ts';
import { ProtocolError } from './errors.ts';
import {
  isGoodChallenge,
  keepOutgoingOnSimultaneous,
  newChallenge,
  transcriptMac,
  verifyMac,
} from './handshake.ts';
import { fakeNode, runPair, type SentFrame } from './testing/handshake.ts';
import { closeAll, startNodes } from './testing/index.ts';
import { encodeFrame } from './wire/encoder.ts';
import { FrameParser } from './wire/framing.ts';
import { Kind } from './wire/kinds.ts';

let nodes: ClusterNode[] = [];
afterEach(() => closeAll(nodes));

const t = {
  hello: Buffer.from('{"name":"a@h"}'),
  challenge: Buffer.from('{"name":"b@h"}'),
  initiatorChallenge: 'cI',
};

function body(f: SentFrame): Record<string, unknown> {
  return JSON.parse(f.body.toString('utf8')) as Record<string, unknown>;
}

describe('handshake — transcript MAC', () => {
  it('handshake — a MAC verifies only with the same cookie, role and every transcript byte', () => {
    const d = transcriptMac('cookie', 'I', t);
    expect(verifyMac('cookie', 'I', t, d)).toBe(true);
    expect(verifyMac('other', 'I', t, d)).toBe(false);
    expect(verifyMac('cookie', 'A', t, d)).toBe(false); // no reflection across roles
    expect(verifyMac('cookie', 'I', { ...t, hello: Buffer.from('{"name":"x@h"}') }, d)).toBe(false);
    expect(verifyMac('cookie', 'I', { ...t, challenge: Buffer.from('{"name":"b@i"}') }, d)).toBe(
      false,
    );
    expect(verifyMac('cookie', 'I', { ...t, initiatorChallenge: 'cJ' }, d)).toBe(false);
    // fields cannot slide between parts of the transcript
    const slid = { hello: Buffer.from('{"name":"a@h"}{'), challenge: Buffer.from('"name":"b@h"}') };
    expect(verifyMac('cookie', 'I', { ...t, ...slid }, d)).toBe(false);
    expect(verifyMac('cookie', 'I', t, 'short')).toBe(false);
    expect(d).not.toContain('cookie');
  });

  it('handshake — challenges are 32 random bytes, and shorter ones are refused', () => {
    const c = newChallenge();
    expect(Buffer.from(c, 'base64')).toHaveLength(32);
    expect(isGoodChallenge(c)).toBe(true);
    expect(newChallenge()).not.toBe(c);
    expect(isGoodChallenge(Buffer.alloc(16).toString('base64'))).toBe(false);
    expect(isGoodChallenge('not base64!')).toBe(false);
  });

  it('handshake — simultaneous connects keep exactly one side’s outgoing connection', () => {
    expect(keepOutgoingOnSimultaneous('a@h', 'b@h')).toBe(false);
    expect(keepOutgoingOnSimultaneous('b@h', 'a@h')).toBe(true);
  });
});

describe('handshake — state machine, no socket', () => {
  it('handshake — two nodes with one cookie both come up, each having proved the cookie', () => {
    const { i, a } = runPair(fakeNode('a@h', 'k'), fakeNode('b@h', 'k'));
    expect(i).toEqual({ t: 'up' });
    expect(a).toEqual({ t: 'up' });
  });

  it('handshake — a wrong cookie is refused by the acceptor with bad_cookie', () => {
    const { i, a } = runPair(fakeNode('a@h', 'k'), fakeNode('b@h', 'other'));
    expect(a).toMatchObject({ t: 'refused', reason: 'bad_cookie' });
    // the acceptor's refusal carries no proof, so it is only a failure
    expect(i).toEqual({ t: 'failed', detail: 'rejected: bad_cookie', rejectedWith: 'bad_cookie' });
  });

  it('handshake — a man in the middle editing any field of any message fails it', () => {
    const honest = runPair(fakeNode('a@h', 'k'), fakeNode('b@h', 'k'), (from, f) => f);
    expect(honest.i).toEqual({ t: 'up' });
    const edited: string[] = [];
    for (const kind of [Kind.HELLO, Kind.CHALLENGE, Kind.CHALLENGE_REPLY, Kind.CHALLENGE_ACK]) {
      // learn the fields from an honest run
      let fields: string[] = [];
      runPair(fakeNode('a@h', 'k'), fakeNode('b@h', 'k'), (_, f) => {
        if (f.kind === kind) fields = Object.keys(body(f));
        return f;
      });
      for (const field of fields) {
        const { i, a } = runPair(fakeNode('a@h', 'k'), fakeNode('b@h', 'k'), (_, f) => {
          if (f.kind !== kind) return f;
          const b = body(f);
          const v = b[field];
          b[field] = typeof v === 'boolean' ? !v : typeof v === 'number' ? v + 1 : `${String(v)}x`;
          return { kind, body: Buffer.from(JSON.stringify(b)) };
        });
        const up = (s: unknown): boolean => (s as { t?: string }).t === 'up';
        if (up(i) && up(a)) edited.push(`${kind}.${field}`);
        if (up(i) !== up(a) && up(i)) edited.push(`${kind}.${field} (initiator only)`);
      }
    }
    expect(edited).toEqual([]);
  });

  it('handshake — a challenge the node issued itself is refused when handed back', () => {
    const victim = fakeNode('v@h', 'k');
    const toPeer: SentFrame[] = [];
    const acceptor = victim.machine(false, toPeer);
    acceptor.push(
      Kind.HELLO,
      Buffer.from(
        JSON.stringify({
          v: PROTOCOL_VERSION,
          name: 'e@h',
          hidden: false,
          addr: 'h:1',
          tls: false,
          boot: 'x',
          to: '',
        }),
      ),
    );
    const cA = body(toPeer[0]!).challenge as string;
    const toEvil: SentFrame[] = [];
    const initiator = victim.machine(true, toEvil);
    const ch = {
      v: PROTOCOL_VERSION,
      name: 'm@h',
      hidden: false,
      addr: 'h:2',
      tls: false,
      boot: 'y',
    };
    const step = initiator.push(
      Kind.CHALLENGE,
      Buffer.from(JSON.stringify({ ...ch, challenge: cA })),
    );
    expect(step).toMatchObject({ t: 'refused', reason: 'bad_challenge' });
    expect(toEvil.map((f) => f.kind)).toEqual([Kind.HELLO, Kind.REJECT]);
  });

  it('handshake — arbitration by name waits for the proof, and its refusal carries one', () => {
    const a = fakeNode('a@h', 'k');
    const b = fakeNode('b@h', 'k');
    b.linked.add('a@h');
    // a dial by address: only a proven refusal can tell it whom it reached
    const { i, a: acc } = runPair(a, b);
    expect(acc).toMatchObject({ t: 'refused', reason: 'duplicate' });
    expect(i).toEqual({ t: 'failed', detail: 'rejected: duplicate', rejectedWith: 'duplicate' });
    // a stranger cannot be refused as duplicate after a proof: it never gets that far
    const stranger = fakeNode('a@h', 'guess');
    expect(runPair(stranger, b).a).toMatchObject({ t: 'refused', reason: 'bad_cookie' });
    // a dial by name is refused at once (it trusts that only for the name it dialed)
    const out: SentFrame[] = [];
    runPair(a, b, (from, f) => (from === 'A' && out.push(f), f), 'b@h');
    expect(out.map((f) => f.kind)).toEqual([Kind.REJECT]);
    expect(body(out[0]!)).toEqual({ reason: 'duplicate', name: 'b@h' });
  });

  it('handshake — an unproven REJECT at any point only fails the attempt', () => {
    for (const reason of ['duplicate', 'simultaneous']) {
      const out: SentFrame[] = [];
      const m = fakeNode('a@h', 'k').machine(true, out);
      const forged = JSON.stringify({ reason, name: 'b@h', digest: 'AAAA' });
      expect(m.push(Kind.REJECT, Buffer.from(forged))).toEqual({
        t: 'failed',
        detail: `rejected: ${reason}`,
        rejectedWith: reason,
      });
      expect(m.proven).toBe(false); // so the link table trusts it only for a name it dialed
    }
  });

  it('handshake — other refusals: version, TLS, self, expected name, blackhole, bad frames', () => {
    const a = fakeNode('a@h', 'k');
    expect(runPair(a, fakeNode('b@h', 'k', true)).a).toMatchObject({ t: 'refused', reason: 'tls' });
    expect(runPair(a, fakeNode('a@h', 'k')).a).toMatchObject({ t: 'refused', reason: 'self' });
    expect(runPair(a, fakeNode('b@h', 'k'), undefined, 'c@h').i).toMatchObject({
      t: 'refused',
      reason: 'bad_name',
    });
    const out: SentFrame[] = [];
    const acc = fakeNode('b@h', 'k').machine(false, out);
    expect(acc.push(Kind.HELLO, Buffer.from('{"v":1,"name":"a@h"}'))).toMatchObject({
      t: 'refused',
      reason: 'version',
    });
    const bh = fakeNode('b@h', 'k');
    bh.blackholed.add('a@h');
    const r = runPair(a, bh);
    expect(r).toEqual({ i: { t: 'wait' }, a: { t: 'wait' } }); // swallowed: the timeout ends it
    const fresh = fakeNode('b@h', 'k').machine(false, []);
    expect(() => fresh.push(Kind.CHALLENGE_ACK, Buffer.from('{}'))).toThrow(ProtocolError);
    expect(() =>
      fakeNode('b@h', 'k').machine(false, []).push(Kind.HELLO, Buffer.from('{')),
    ).toThrow(ProtocolError);
  });

  it('handshake — a quiet stop when our own other dial to that name is under way', () => {
    const a = fakeNode('a@h', 'k');
    a.dialing.add('b@h');
    expect(runPair(a, fakeNode('b@h', 'k')).i).toEqual({
      t: 'failed',
      detail: 'already connected',
      quiet: true,
    });
  });
});

describe('handshake — over a socket', () => {
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
