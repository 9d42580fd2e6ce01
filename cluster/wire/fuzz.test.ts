import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.ts';
import { FrameEncoder, encodeFrame } from './encoder.ts';
import { Reassembler } from './fragments.ts';
import { FrameParser } from './framing.ts';
import { Kind } from './kinds.ts';
import { BodyReader } from './reader.ts';

/** Deterministic PRNG so a failure can be replayed from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

/** Decodes a whole byte stream the way a connection does, body layouts included. */
function decodeStream(chunks: Buffer[], maxFrame: number): number {
  let frames = 0;
  const ra = new Reassembler(1 << 20);
  const body = (kind: number, r: BodyReader): void => {
    switch (kind) {
      case Kind.SEND:
        r.shortStr();
        r.shortStr();
        r.payload();
        return;
      case Kind.RPC_CALL:
      case Kind.RPC_CAST:
      case Kind.RPC_REPLY:
      case Kind.RPC_ERROR:
        r.u32();
        r.shortStr();
        r.payload();
        return;
      case Kind.MONITOR:
      case Kind.MONITOR_DOWN:
        r.u32();
        r.shortStr();
        return;
      case Kind.PING:
      case Kind.PONG:
      case Kind.RPC_CANCEL:
      case Kind.DEMONITOR:
        r.u32();
        return;
      case Kind.TICK:
      case Kind.DISCONNECT:
        return;
      case Kind.MESH_PEERS:
      case Kind.HELLO:
      case Kind.CHALLENGE:
        r.json();
        return;
      default:
        throw new ProtocolError(`unknown kind ${kind}`);
    }
  };
  const p = new FrameParser(maxFrame, (buf, start, end) => {
    frames++;
    const kind = buf[start]!;
    if (kind === Kind.FRAG_FIRST || kind === Kind.FRAG_NEXT) {
      const inner = ra.push(kind, buf, start + 1, end);
      if (inner !== null) body(inner[0]!, new BodyReader(inner, 1, inner.length));
    } else body(kind, new BodyReader(buf, start + 1, end));
  });
  for (const c of chunks) p.push(c);
  return frames;
}

const enc = new FrameEncoder(65536);

function validStream(r: () => number): Buffer {
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(r() * 4);
    if (k === 0) {
      enc.begin(Kind.SEND);
      enc.shortStr('name' + i);
      enc.shortStr('');
      enc.payload(
        r() < 0.5
          ? { i, s: 'x'.repeat(Math.floor(r() * 40)) }
          : new Uint8Array(Math.floor(r() * 50)),
      );
    } else if (k === 1) {
      enc.begin(Kind.RPC_CALL);
      enc.u32(i);
      enc.shortStr('handler');
      enc.payload('args');
    } else if (k === 2) {
      enc.begin(Kind.TICK);
    } else {
      enc.begin(Kind.PING);
      enc.u32(i);
    }
    enc.end();
  }
  return enc.take()!;
}

describe('wire — fuzz', () => {
  it('wire — 100,000 random and mutated inputs only ever raise ProtocolError', () => {
    const r = rng(0xc0ffee);
    let protocolErrors = 0;
    let decodedFrames = 0;
    for (let i = 0; i < 100_000; i++) {
      let input: Buffer;
      const mode = i % 4;
      if (mode === 0) {
        input = Buffer.alloc(Math.floor(r() * 64));
        for (let j = 0; j < input.length; j++) input[j] = Math.floor(r() * 256);
      } else {
        input = Buffer.from(validStream(r));
        if (mode === 1) {
          const flips = 1 + Math.floor(r() * 4);
          for (let f = 0; f < flips; f++)
            input[Math.floor(r() * input.length)] = Math.floor(r() * 256);
        } else if (mode === 2) {
          input = input.subarray(0, Math.floor(r() * input.length));
        } else {
          const at = Math.floor(r() * input.length);
          const junk = encodeFrame(Math.floor(r() * 256), Buffer.from([Math.floor(r() * 256)]));
          input = Buffer.concat([input.subarray(0, at), junk, input.subarray(at)]);
        }
      }
      // random chunking, as sockets do, for a quarter of the inputs (the rest arrive whole)
      const chunks: Buffer[] = [];
      const maxChunk = Math.floor(i / 4) % 4 === 0 ? 40 : input.length + 1;
      for (let pos = 0; pos < input.length;) {
        const n = 1 + Math.floor(r() * maxChunk);
        chunks.push(input.subarray(pos, pos + n));
        pos += n;
      }
      try {
        decodedFrames += decodeStream(chunks, 1024);
      } catch (err) {
        if (!(err instanceof ProtocolError))
          throw new Error(`input ${i} (${input.toString('hex')}) threw ${String(err)}`);
        protocolErrors++;
      }
    }
    // the generator must exercise both outcomes, or the test proves nothing
    expect(protocolErrors).toBeGreaterThan(10_000);
    expect(decodedFrames).toBeGreaterThan(50_000);
  });
});
