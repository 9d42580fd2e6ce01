import { describe, expect, it } from 'vitest';
import { ByteCursor } from './byte-cursor.ts';

class Overrun extends Error {
  constructor(
    readonly need: number,
    readonly at: number,
  ) {
    super(`need ${need} at ${at}`);
  }
}
const cursor = (bytes: number[], pos = 0, end = bytes.length) =>
  new ByteCursor(Uint8Array.from(bytes), pos, end, (n, at) => new Overrun(n, at));

describe('byte cursor', () => {
  it('byte cursor — reads big-endian u8, u16, u32 (above 2^31 too) and u64', () => {
    const c = cursor([
      0x7f, 0x12, 0x34, 0xfe, 0xdc, 0xba, 0x98, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
    ]);
    expect(c.u8()).toBe(0x7f);
    expect(c.u16()).toBe(0x1234);
    expect(c.u32()).toBe(0xfedcba98);
    expect(c.u64()).toBe(0x0102030405060708n);
    expect(c.pos).toBe(c.end);
  });

  it('byte cursor — bytes are a view of the buffer, not a copy; skip moves on', () => {
    const c = cursor([1, 2, 3, 4, 5]);
    c.skip(1);
    const view = c.bytes(3);
    expect([...view]).toEqual([2, 3, 4]);
    c.buf[2] = 9;
    expect(view[1]).toBe(9);
    expect(c.pos).toBe(4);
  });

  it('byte cursor — an overrun throws the reader error with the need and the offset, and moves nothing', () => {
    for (const read of [
      (c: ByteCursor) => c.u16(),
      (c: ByteCursor) => c.u32(),
      (c: ByteCursor) => c.u64(),
      (c: ByteCursor) => c.bytes(2),
      (c: ByteCursor) => c.skip(2),
    ]) {
      const c = cursor([1, 2, 3, 4, 5, 6, 7, 8, 9], 1, 2);
      let thrown: unknown;
      try {
        read(c);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(Overrun);
      expect((thrown as Overrun).at).toBe(1);
      expect(c.pos).toBe(1);
    }
  });

  it('byte cursor — the end bounds reads even when the buffer holds more bytes', () => {
    const c = cursor([1, 2, 3, 4], 0, 1);
    expect(c.u8()).toBe(1);
    expect(() => c.u8()).toThrow(Overrun);
  });
});
