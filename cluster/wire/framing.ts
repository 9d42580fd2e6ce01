import { ProtocolError } from '../errors.ts';

/** Length prefix (u32 BE, counting kind + body) and kind byte. */
export const FRAME_HEADER_BYTES = 5;

/** Receives each complete frame: `buf[start]` is the kind, the body is `buf[start+1 .. end)`. */
export type FrameSink = (buf: Buffer, start: number, end: number) => void;

/**
 * Optional zero-copy route for frames split across chunks: given the kind byte and the body
 * length (kind excluded), returns where the body may be written directly (`buf` from `offset`),
 * or null for the normal path. When the body is complete, `done(kind, length)` is called
 * instead of the sink. Used to copy fragment payloads straight into the reassembly buffer.
 */
export interface DirectRoute {
  target(kind: number, bodyBytes: number): { buf: Buffer; offset: number } | null;
  done(kind: number, bodyBytes: number): void;
}

/** A split frame's buffer starts this big at most and grows with the bytes that arrive. */
export const PARTIAL_START_BYTES = 128 * 1024;

/**
 * A push parser for length-prefixed frames: feed it chunks as they arrive, it calls the sink once
 * per complete frame. Frames inside one chunk are passed as views of that chunk (no copy); only a
 * frame split across chunks is copied, into a buffer allocated once its length has been checked
 * against the maximum, so an oversized length is rejected before any allocation. That buffer
 * grows with the bytes that actually arrive, so a header announcing a big frame costs nothing
 * until the frame comes (frames of honest peers are at most a fragment, and fit from the start).
 */
export class FrameParser {
  private header = Buffer.alloc(4);
  private headerFill = 0;
  private partial: Buffer | null = null;
  private partialFill = 0;
  /** the length of the split frame `partial` holds (its capacity may be smaller) */
  private partialLen = 0;
  private failed = false;
  /** a split frame whose body goes straight to a DirectRoute target */
  private pendingLen = 0;
  private directKind = -1;
  private directBuf: Buffer | null = null;
  private directAt = 0;
  private directEnd = 0;
  private directLen = 0;

  constructor(
    /** largest frame accepted; may change between frames (raised once a peer is trusted) */
    public maxFrameBytes: number,
    private readonly sink: FrameSink,
    private readonly direct: DirectRoute | null = null,
  ) {}

  /**
   * Parses the first `n` bytes of `chunk` (all of it by default). Throws ProtocolError on a bad
   * length; the parser is then unusable (close the connection).
   */
  push(chunk: Buffer, n = chunk.length): void {
    if (this.failed) throw new ProtocolError('parser already failed');
    let pos = 0;
    while (pos < n) {
      if (this.directBuf !== null) {
        const take = Math.min(this.directEnd - this.directAt, n - pos);
        chunk.copy(this.directBuf, this.directAt, pos, pos + take);
        this.directAt += take;
        pos += take;
        if (this.directAt === this.directEnd) {
          const kind = this.directKind;
          const len = this.directLen;
          this.directBuf = null;
          this.directKind = -1;
          this.direct!.done(kind, len);
        }
        continue;
      }
      if (this.pendingLen > 0) {
        // a split frame's kind byte has arrived: route its body directly, or buffer it
        const len = this.pendingLen;
        const kind = chunk[pos]!;
        const t = this.direct!.target(kind, len - 1);
        if (t === null) {
          this.pendingLen = 0;
          this.startPartial(len, true);
          continue;
        }
        pos += 1;
        this.pendingLen = 0;
        if (len === 1) {
          this.direct!.done(kind, 0);
          continue;
        }
        this.directKind = kind;
        this.directLen = len - 1;
        this.directBuf = t.buf;
        this.directAt = t.offset;
        this.directEnd = t.offset + len - 1;
        continue;
      }
      if (this.partial !== null) {
        const take = Math.min(this.partialLen - this.partialFill, n - pos);
        if (this.partialFill + take > this.partial.length) this.grow(this.partialFill + take);
        chunk.copy(this.partial, this.partialFill, pos, pos + take);
        this.partialFill += take;
        pos += take;
        if (this.partialFill === this.partialLen) {
          const frame = this.partial;
          this.partial = null;
          this.sink(frame, 0, this.partialLen);
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
    return (
      this.partial !== null || this.headerFill > 0 || this.pendingLen > 0 || this.directBuf !== null
    );
  }

  private check(len: number): void {
    if (len < 1 || len > this.maxFrameBytes) {
      this.failed = true;
      throw new ProtocolError(`bad frame length ${len} (max ${this.maxFrameBytes})`);
    }
  }

  private startPartial(len: number, routed = false): void {
    if (this.direct !== null && !routed) {
      // wait for the kind byte before choosing where the body goes
      this.pendingLen = len;
      return;
    }
    this.partial = Buffer.allocUnsafe(Math.min(len, PARTIAL_START_BYTES));
    this.partialFill = 0;
    this.partialLen = len;
  }

  /** At least doubles the split frame's buffer, to hold `need` bytes (never beyond its length). */
  private grow(need: number): void {
    const size = Math.min(this.partialLen, Math.max(need, 2 * this.partial!.length));
    const next = Buffer.allocUnsafe(size);
    this.partial!.copy(next, 0, 0, this.partialFill);
    this.partial = next;
  }
}
