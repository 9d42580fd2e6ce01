import { ProtocolError } from '../errors.ts';

/** Length prefix (u32 BE, counting kind + body) and kind byte. */
export const FRAME_HEADER_BYTES = 5;

/** Receives each complete frame: `buf[start]` is the kind, the body is `buf[start+1 .. end)`. */
export type FrameSink = (buf: Buffer, start: number, end: number) => void;

/**
 * A push parser for length-prefixed frames: feed it chunks as they arrive, it calls the sink once
 * per complete frame. Frames inside one chunk are passed as views of that chunk (no copy); only a
 * frame split across chunks is copied, into a buffer allocated once its length has been checked
 * against the maximum, so an oversized length is rejected before any allocation.
 */
export class FrameParser {
  private header = Buffer.alloc(4);
  private headerFill = 0;
  private partial: Buffer | null = null;
  private partialFill = 0;
  private failed = false;

  constructor(
    private readonly maxFrameBytes: number,
    private readonly sink: FrameSink,
  ) {}

  /** Throws ProtocolError on a bad length; the parser is then unusable (close the connection). */
  push(chunk: Buffer): void {
    if (this.failed) throw new ProtocolError('parser already failed');
    let pos = 0;
    const n = chunk.length;
    while (pos < n) {
      if (this.partial !== null) {
        const need = this.partial.length - this.partialFill;
        const take = Math.min(need, n - pos);
        chunk.copy(this.partial, this.partialFill, pos, pos + take);
        this.partialFill += take;
        pos += take;
        if (this.partialFill === this.partial.length) {
          const frame = this.partial;
          this.partial = null;
          this.sink(frame, 0, frame.length);
        }
        continue;
      }
      if (this.headerFill === 0 && n - pos >= 4) {
        const len = chunk.readUInt32BE(pos);
        this.check(len);
        if (n - pos - 4 >= len) {
          this.sink(chunk, pos + 4, pos + 4 + len);
          pos += 4 + len;
        } else {
          this.startPartial(len);
          pos += 4;
        }
        continue;
      }
      // length prefix itself split across chunks
      while (this.headerFill < 4 && pos < n) this.header[this.headerFill++] = chunk[pos++]!;
      if (this.headerFill === 4) {
        this.headerFill = 0;
        const len = this.header.readUInt32BE(0);
        this.check(len);
        this.startPartial(len);
      }
    }
  }

  /** Whether bytes of an unfinished frame are buffered (for truncation detection at close). */
  get midFrame(): boolean {
    return this.partial !== null || this.headerFill > 0;
  }

  private check(len: number): void {
    if (len < 1 || len > this.maxFrameBytes) {
      this.failed = true;
      throw new ProtocolError(`bad frame length ${len} (max ${this.maxFrameBytes})`);
    }
  }

  private startPartial(len: number): void {
    this.partial = Buffer.allocUnsafe(len);
    this.partialFill = 0;
  }
}
