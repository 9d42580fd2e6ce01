/**
 * The one bounds-checked cursor under the three binary readers of the house: our frame bodies
 * (`wire/reader.ts`), Erlang's external term format (`erlang/etf/decode.ts`) and the BEAM
 * distribution proxy's header reader (`server/beam/proxy/dist-header.ts`). Pure: no sockets, no
 * dependencies. What an overrun means differs (a protocol error, a malformed term, "wait for
 * more bytes"), so each reader passes the error its format throws.
 */

/** Makes the error for a read of `need` bytes at `at` that runs past the end. */
export type OverrunError = (need: number, at: number) => Error;

/** Big-endian reads over `buf[pos, end)`; every read checks the bounds before it moves. */
export class ByteCursor<B extends Uint8Array = Uint8Array> {
  constructor(
    public buf: B,
    public pos: number,
    public end: number,
    private readonly overrun: OverrunError,
  ) {}

  /** Throws the reader's overrun error unless `n` more bytes are there. */
  need(n: number): void {
    if (this.pos + n > this.end) throw this.overrun(n, this.pos);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }
  u32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    // the top byte multiplied, not shifted: `<< 24` would turn values ≥ 2^31 negative
    return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }
  u64(): bigint {
    this.need(8);
    const high = this.u32();
    return (BigInt(high) << 32n) | BigInt(this.u32());
  }
  /** The next `n` bytes as a view (no copy): a reader whose buffer is reused copies them. */
  bytes(n: number): B {
    this.need(n);
    // subarray keeps the class (a Buffer's is a Buffer), which the cast records
    const v = this.buf.subarray(this.pos, this.pos + n) as B;
    this.pos += n;
    return v;
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
}
