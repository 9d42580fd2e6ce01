/**
 * The big-endian primitives every encoder of ours writes with: the native frame encoder
 * (`encoder.ts`, slabs shared by many frames) and the Erlang term encoder (`erlang/etf/encode.ts`,
 * one growable buffer). Each subclass decides how room is made (`ensure`); the writes are the same.
 */
export abstract class ByteWriter {
  /** the buffer written into; `ensure` may replace it */
  buf: Buffer;
  /** the next byte to write */
  pos = 0;

  protected constructor(buf: Buffer) {
    this.buf = buf;
  }

  /** Makes room for `n` more bytes at `pos`. */
  abstract ensure(n: number): void;

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
}
