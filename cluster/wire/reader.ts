import { ByteCursor } from '../byte-cursor.ts';
import { ProtocolError } from '../errors.ts';
import { decodePayload } from './payload.ts';
import type { Payload } from '../api.ts';

const truncated = () => new ProtocolError('truncated frame body');

/** Bounds-checked reads over a frame body; any overrun is a ProtocolError, never an exception leak. */
export class BodyReader extends ByteCursor<Buffer> {
  constructor(
    buf: Buffer,
    pos: number,
    end: number,
    /** `buf` is reused once this frame is handled: byte payloads are copied, not views */
    public shared = false,
  ) {
    super(buf, pos, end, truncated);
  }

  /** Points this reader at another body (one reader serves a connection's frames in turn). */
  reset(buf: Buffer, pos: number, end: number, shared: boolean): this {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.shared = shared;
    return this;
  }

  /** u8 length + UTF-8 */
  shortStr(): string {
    const n = this.u8();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  /** Skips a u8-length string (a field this frame kind leaves empty). */
  skipShortStr(): void {
    this.skip(this.u8());
  }
  /**
   * Like shortStr, but returns the cached string when the bytes equal the last ones seen at
   * this call site: names and channels repeat message after message, and comparing a few bytes
   * is cheaper than decoding a fresh string each time.
   */
  shortStrCached(cache: NameCache): string {
    const n = this.u8();
    this.need(n);
    const buf = this.buf;
    const p = this.pos;
    this.pos += n;
    const key = cache.bytes;
    if (key.length === n) {
      let i = 0;
      while (i < n && buf[p + i] === key[i]) i++;
      if (i === n) return cache.value;
    }
    const s = buf.toString('utf8', p, p + n);
    if (n <= 64) {
      cache.bytes = Buffer.from(buf.subarray(p, p + n));
      cache.value = s;
    }
    return s;
  }
  /** u16 length + UTF-8 */
  str(): string {
    const n = this.u16();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  /** the rest of the body as a payload */
  payload(): Payload {
    const p = decodePayload(this.buf, this.pos, this.end, this.shared);
    this.pos = this.end;
    return p;
  }
  /** the rest of the body as JSON (handshake and control messages) */
  json(): unknown {
    try {
      return JSON.parse(this.buf.toString('utf8', this.pos, this.end)) as unknown;
    } catch (cause) {
      throw new ProtocolError('bad JSON in frame', { cause });
    } finally {
      this.pos = this.end;
    }
  }
  done(): void {
    if (this.pos !== this.end) throw new ProtocolError('trailing bytes in frame');
  }
}

/** One remembered name for `BodyReader.shortStrCached` (one per connection and field). */
export class NameCache {
  bytes: Buffer = Buffer.alloc(0);
  value = '';
}
