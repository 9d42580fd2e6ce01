import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { MESSAGE_HEADER_ALLOWANCE_BYTES } from '../constants.ts';
import { encodeFrame } from './encoder.ts';
import { Fragmenter, Reassembler } from './fragments.ts';
import { FrameParser, PARTIAL_START_BYTES } from './framing.ts';
import { Kind } from './kinds.ts';

const MiB = 1024 * 1024;

describe('wire — buffers of split frames and fragmented messages', () => {
  it('wire — a split frame announced at 1 MiB holds only its start until the rest comes', () => {
    const body = randomBytes(MiB - 1);
    const frame = encodeFrame(Kind.SEND, body);
    const got: Buffer[] = [];
    const p = new FrameParser(2 * MiB, (buf, start, end) =>
      got.push(Buffer.from(buf.subarray(start, end))),
    );
    // what the parser asks for (the only allocations between these pushes are its own)
    const spy = vi.spyOn(Buffer, 'allocUnsafe');
    let allocs: number[];
    try {
      p.push(frame.subarray(0, 100));
      expect(spy.mock.calls.map((c) => c[0])).toEqual([PARTIAL_START_BYTES]);
      for (let at = 100; at < frame.length; at += 7_777)
        p.push(frame.subarray(at, Math.min(frame.length, at + 7_777)));
      allocs = spy.mock.calls.map((c) => c[0]);
    } finally {
      spy.mockRestore();
    }
    expect(Math.max(...allocs)).toBe(MiB);
    expect(got).toHaveLength(1);
    expect(got[0]!.equals(frame.subarray(4))).toBe(true);
  });

  it('wire — a reassembly is one buffer of the announced size, allocated once, never grown', () => {
    const r = new Reassembler(256 * MiB);
    const first = Buffer.alloc(5 + 10);
    first.writeUInt32BE(200 * MiB, 0);
    first[4] = Kind.SEND;
    const spy = vi.spyOn(Buffer, 'allocUnsafeSlow');
    try {
      expect(r.push(Kind.FRAG_FIRST, first, 0, first.length)).toBeNull();
      const t = r.directTarget(MiB)!;
      expect(t.buf.length).toBe(200 * MiB);
      expect(r.push(Kind.FRAG_NEXT, Buffer.alloc(5 * MiB), 0, 5 * MiB)).toBeNull();
      expect(r.directTarget(MiB)!.buf).toBe(t.buf);
      expect(r.directTarget(MiB)!.offset).toBe(11 + 5 * MiB);
      expect(spy.mock.calls.map((c) => c[0])).toEqual([200 * MiB]);
    } finally {
      spy.mockRestore();
    }
  });

  it('wire — a payload of exactly maxMessageBytes reassembles; one byte more is refused unallocated', () => {
    const max = 2 * MiB;
    const spy = vi.spyOn(Buffer, 'allocUnsafeSlow');
    try {
      for (const extra of [0, MESSAGE_HEADER_ALLOWANCE_BYTES + 1]) {
        const r = new Reassembler(max);
        const first = Buffer.alloc(5 + 10);
        first.writeUInt32BE(max + extra, 0);
        first[4] = Kind.SEND;
        if (extra === 0) expect(r.push(Kind.FRAG_FIRST, first, 0, first.length)).toBeNull();
        else
          expect(() => r.push(Kind.FRAG_FIRST, first, 0, first.length)).toThrow(
            /exceeds the maximum message size \(maxMessageBytes\) of 2097152/,
          );
      }
      expect(spy.mock.calls.map((c) => c[0])).toEqual([max]);
    } finally {
      spy.mockRestore();
    }
  });

  it('wire — messages reassemble byte for byte across growth, by copy and by direct route', () => {
    for (const size of [1, 5 * MiB + 3, 9 * MiB]) {
      const inner = encodeFrame(Kind.SEND, randomBytes(size));
      const f = new Fragmenter(inner, 300 * 1024);
      const r = new Reassembler(64 * MiB);
      let out: Buffer | null = null;
      let i = 0;
      while (!f.done) {
        const frag = f.next();
        const kind = frag[4]!;
        const t = kind === Kind.FRAG_NEXT && i++ % 2 === 0 ? r.directTarget(frag.length - 5) : null;
        if (t !== null) {
          frag.copy(t.buf, t.offset, 5);
          out = r.directDone(t.buf, frag.length - 5) ?? out;
        } else {
          out = r.push(kind, frag, 5, frag.length) ?? out;
        }
      }
      expect(out).not.toBeNull();
      expect(out!.equals(inner.subarray(4))).toBe(true);
    }
  });
});
