import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.ts';
import { FrameEncoder, encodeFrame } from './encoder.ts';
import { Fragmenter, Reassembler } from './fragments.ts';
import { FrameParser } from './framing.ts';
import { Kind } from './kinds.ts';
import { BodyReader } from './reader.ts';

function collect(max = 1 << 20) {
  const frames: Buffer[] = [];
  const p = new FrameParser(max, (buf, s, e) => frames.push(Buffer.from(buf.subarray(s, e))));
  return { p, frames };
}

describe('wire — framing', () => {
  it('wire — parses frames fed one byte at a time', () => {
    const bytes = Buffer.concat([
      encodeFrame(Kind.TICK),
      encodeFrame(Kind.SEND, 'hello'),
      encodeFrame(Kind.PING, 'x'),
    ]);
    const { p, frames } = collect();
    for (const b of bytes) p.push(Buffer.from([b]));
    expect(frames.map((f) => [f[0], f.subarray(1).toString()])).toEqual([
      [Kind.TICK, ''],
      [Kind.SEND, 'hello'],
      [Kind.PING, 'x'],
    ]);
    expect(p.midFrame).toBe(false);
  });

  it('wire — parses many frames in one chunk and frames split at every offset', () => {
    const bytes = Buffer.concat(
      Array.from({ length: 50 }, (_, i) => encodeFrame(Kind.SEND, 'm' + i)),
    );
    for (let cut = 0; cut <= bytes.length; cut += 7) {
      const { p, frames } = collect();
      p.push(bytes.subarray(0, cut));
      p.push(bytes.subarray(cut));
      expect(frames).toHaveLength(50);
      expect(frames[49]!.subarray(1).toString()).toBe('m49');
    }
  });

  it('wire — rejects an oversized length before allocating, and a zero length', () => {
    const { p } = collect(1000);
    const big = Buffer.alloc(4);
    big.writeUInt32BE(0xfffffff0);
    expect(() => p.push(big)).toThrow(ProtocolError);
    const { p: p2 } = collect(1000);
    expect(() => p2.push(Buffer.from([0, 0, 0, 0]))).toThrow(/bad frame length 0/);
  });

  it('wire — reports a truncated frame as mid-frame', () => {
    const { p } = collect();
    p.push(encodeFrame(Kind.SEND, 'abcdef').subarray(0, 7));
    expect(p.midFrame).toBe(true);
  });
});

describe('wire — encoder and reader', () => {
  it('wire — encodes typed fields and payloads that decode back', () => {
    const enc = new FrameEncoder(64);
    enc.begin(Kind.RPC_CALL);
    enc.u32(7);
    enc.shortStr('héllo');
    enc.payload({ a: [1, 'two', null] });
    const size = enc.end();
    enc.begin(Kind.SEND);
    enc.shortStr('n');
    enc.shortStr('');
    enc.payload(new Uint8Array([9, 8, 7]));
    enc.end();
    const out = enc.take()!;
    const { p, frames } = collect();
    p.push(out);
    expect(frames[0]!.length + 4).toBe(size);
    const r = new BodyReader(frames[0]!, 1, frames[0]!.length);
    expect([r.u32(), r.shortStr(), r.payload()]).toEqual([7, 'héllo', { a: [1, 'two', null] }]);
    const r2 = new BodyReader(frames[1]!, 1, frames[1]!.length);
    expect([r2.shortStr(), r2.shortStr()]).toEqual(['n', '']);
    expect(Array.from(r2.payload() as Uint8Array)).toEqual([9, 8, 7]);
  });

  it('wire — strings round-trip whichever way they are copied (by hand when short and ASCII)', () => {
    const strings = [
      '',
      'a',
      'x'.repeat(32),
      'x'.repeat(33),
      'x'.repeat(31) + 'é',
      'é' + 'x'.repeat(10),
      'abc\u0000def',
      'tail is not ascii ✓',
      '😀 emoji',
      'y'.repeat(300),
    ];
    const enc = new FrameEncoder(128);
    for (const s of strings) {
      enc.begin(Kind.SEND);
      enc.shortStr(s.slice(0, 60));
      enc.payload(s);
      enc.end();
    }
    const { p, frames } = collect();
    p.push(enc.take()!);
    const decoded = frames.map((f) => {
      const r = new BodyReader(f, 1, f.length);
      return [r.shortStr(), r.payload()];
    });
    expect(decoded).toEqual(strings.map((s) => [s.slice(0, 60), s]));
  });

  it('wire — frames past a full slab leave in order, as views, each byte encoded once', () => {
    const enc = new FrameEncoder(4096);
    for (let i = 0; i < 1000; i++) {
      enc.begin(Kind.SEND);
      enc.u32(i);
      enc.bytes(new Uint8Array(96).fill(i & 0xff));
      enc.end();
    }
    expect(enc.pending).toBe(1000 * 105);
    const parts: Buffer[] = [];
    enc.takeInto(parts);
    expect(parts.length).toBeGreaterThan(1);
    const { p, frames } = collect();
    for (const b of parts) p.push(b);
    expect(frames.map((f) => f.readUInt32BE(1))).toEqual([...Array(1000).keys()]);
    expect(enc.pending).toBe(0);
  });

  it('wire — a view handed out by take is never overwritten by later frames', () => {
    const enc = new FrameEncoder(32);
    enc.begin(Kind.SEND);
    enc.utf8('first');
    enc.end();
    const first = enc.take()!;
    const copy = Buffer.from(first);
    for (let i = 0; i < 100; i++) {
      enc.begin(Kind.SEND);
      enc.utf8('later frame ' + i);
      enc.end();
    }
    expect(first.equals(copy)).toBe(true);
  });

  it('wire — reader overruns are protocol errors', () => {
    const r = new BodyReader(Buffer.from([5, 1, 2]), 0, 3);
    expect(() => r.shortStr()).toThrow(ProtocolError);
  });
});

describe('wire — fragments', () => {
  it('wire — a big frame split into fragments reassembles exactly', () => {
    const body = Buffer.alloc(300_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31) & 0xff;
    const frame = encodeFrame(Kind.SEND, body);
    const f = new Fragmenter(frame, 65536);
    const ra = new Reassembler(1 << 20);
    const { p, frames } = collect();
    let count = 0;
    while (!f.done) {
      p.push(f.next());
      count++;
    }
    expect(count).toBe(5);
    let inner: Buffer | null = null;
    for (const fr of frames) inner = ra.push(fr[0]!, fr, 1, fr.length) ?? inner;
    expect(inner![0]).toBe(Kind.SEND);
    expect(inner!.subarray(1).equals(body)).toBe(true);
  });

  it('wire — a frame given as head plus an uncopied tail fragments the same as whole', () => {
    const body = Buffer.alloc(200_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
    const whole = encodeFrame(Kind.SEND, body);
    const head = whole.subarray(0, 1000);
    const tail = new Uint8Array(whole.subarray(1000));
    const a = new Fragmenter(whole, 65536);
    const b = new Fragmenter(head, 65536, tail);
    while (!a.done) expect(b.next().equals(a.next())).toBe(true);
    expect(b.done).toBe(true);
  });

  it('wire — fragment bodies routed straight into the reassembly buffer, any chunking', () => {
    const body = Buffer.alloc(200_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 13) & 0xff;
    const frag = new Fragmenter(encodeFrame(Kind.SEND, body), 65536);
    const parts: Buffer[] = [encodeFrame(Kind.TICK)];
    while (!frag.done) frag.nextInto(parts);
    parts.push(encodeFrame(Kind.PING, 'x'));
    const stream = Buffer.concat(parts);
    for (const step of [1, 7, 4096, 65536, 70_000]) {
      const ra = new Reassembler(1 << 20);
      const kinds: number[] = [];
      let inner: Buffer | null = null;
      let routed = 0;
      let target: Buffer | null = null;
      const p = new FrameParser(
        1 << 20,
        (buf, s, e) => {
          kinds.push(buf[s]!);
          if (buf[s] === Kind.FRAG_FIRST || buf[s] === Kind.FRAG_NEXT)
            inner = ra.push(buf[s], buf, s + 1, e) ?? inner;
        },
        {
          target: (kind, n) => {
            if (kind !== Kind.FRAG_NEXT) return null;
            const t = ra.directTarget(n);
            target = t?.buf ?? null;
            return t;
          },
          done: (kind, n) => {
            kinds.push(kind);
            routed++;
            inner = ra.directDone(target!, n) ?? inner;
          },
        },
      );
      for (let at = 0; at < stream.length; at += step) p.push(stream.subarray(at, at + step));
      expect(kinds).toEqual([
        Kind.TICK,
        Kind.FRAG_FIRST,
        ...Array<number>(3).fill(Kind.FRAG_NEXT),
        Kind.PING,
      ]);
      expect(routed).toBeGreaterThan(0);
      expect(inner![0]).toBe(Kind.SEND);
      expect(inner!.subarray(1).equals(body)).toBe(true);
      expect(p.midFrame).toBe(false);
    }
  });

  it('wire — fragments out of order or over the size limit are protocol errors', () => {
    const ra = new Reassembler(1000);
    expect(() => ra.push(Kind.FRAG_NEXT, Buffer.from([1, 2]), 0, 2)).toThrow(ProtocolError);
    const first = Buffer.from([0, 0, 0x10, 0, Kind.SEND]);
    expect(() => ra.push(Kind.FRAG_FIRST, first, 0, first.length)).toThrow(/exceeds/);
    const tick = Buffer.from([0, 0, 0, 5, Kind.TICK]);
    expect(() => new Reassembler(1000).push(Kind.FRAG_FIRST, tick, 0, tick.length)).toThrow(
      /cannot be fragmented/,
    );
  });
});

describe('wire — name cache', () => {
  it('wire — cached names decode like uncached ones, including after a change', async () => {
    const { NameCache } = await import('./reader.ts');
    const cache = new NameCache();
    const names = ['inbox', 'inbox', 'inboy', '', 'ü-name', 'ü-name', 'inbox'];
    const enc = new FrameEncoder(256);
    for (const n of names) enc.shortStr(n);
    const buf = enc.take()!;
    const r = new BodyReader(buf, 0, buf.length);
    expect(names.map(() => r.shortStrCached(cache))).toEqual(names);
  });
});
