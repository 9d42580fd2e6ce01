import type { Payload } from '../api.ts';
import { BadArgumentError } from '../errors.ts';
import { ByteWriter } from './byte-writer.ts';
import { FRAME_HEADER_BYTES } from './framing.ts';
import { PayloadTag } from './payload.ts';

/** Up to this many UTF-16 units a string is tried as ASCII and copied by hand. */
const ASCII_BY_HAND_MAX = 32;

/**
 * Encodes frames back to back into a slab, so that many small messages leave in one write.
 * `begin` reserves the header, the typed writers append, `end` patches the length. `take` hands
 * out the bytes written since the last take as a view that is never written again (the next
 * frames go after it, or into a fresh slab), so the view can go straight to `socket.write`.
 */
export class FrameEncoder extends ByteWriter {
  private taken = 0;
  private frameStart = -1;
  /** complete frames moved out of a full slab, not yet taken (kept in order before the slab's) */
  private spilled: Buffer[] = [];

  constructor(private readonly slabBytes: number) {
    // the first slab is allocated by the first frame: a connection that never gets past the
    // handshake (whose frames do not use the slab) costs nothing here
    super(Buffer.alloc(0));
  }

  private spilledBytes = 0;

  /** bytes encoded and not yet taken */
  get pending(): number {
    return this.spilledBytes + this.pos - this.taken;
  }

  /** Appends everything encoded and not yet taken to `out`, in order (see `take`). */
  takeInto(out: unknown[]): void {
    if (this.spilled.length > 0) {
      for (const b of this.spilled) out.push(b);
      this.spilled = [];
      this.spilledBytes = 0;
    }
    const rest = this.takeSlab();
    if (rest !== null) out.push(rest);
  }

  begin(kind: number): void {
    this.ensure(FRAME_HEADER_BYTES);
    this.frameStart = this.pos;
    this.buf[this.pos + 4] = kind;
    this.pos += FRAME_HEADER_BYTES;
  }

  /** Bytes of the frame begun last, so far (header included). */
  get frameBytes(): number {
    return this.pos - this.frameStart;
  }

  /** Patches the length prefix; returns the frame size on the wire. */
  end(): number {
    const size = this.pos - this.frameStart;
    this.buf.writeUInt32BE(size - 4, this.frameStart);
    this.frameStart = -1;
    return size;
  }

  /**
   * Ends a frame whose last `externalBytes` bytes are not in the slab (they follow as a separate
   * buffer, uncopied). Returns the size of the part in the slab.
   */
  endExternal(externalBytes: number): number {
    const size = this.pos - this.frameStart;
    this.buf.writeUInt32BE(size - 4 + externalBytes, this.frameStart);
    this.frameStart = -1;
    return size;
  }

  /** Drops the frame begun last (when encoding it failed halfway). */
  abort(): void {
    if (this.frameStart >= 0) this.pos = this.frameStart;
    this.frameStart = -1;
  }

  /** Removes the frame just ended and returns a copy of it (to send it as fragments instead). */
  extractLast(size: number): Buffer {
    const start = this.pos - size;
    const copy = Buffer.from(this.buf.subarray(start, this.pos));
    this.pos = start;
    return copy;
  }

  /**
   * Everything since the last take as one buffer: a view of the slab, or a copy when frames
   * spilled out of a full slab (the send path uses `takeInto`, which never copies).
   */
  take(): Buffer | null {
    if (this.spilled.length === 0) return this.takeSlab();
    const parts: Buffer[] = [];
    this.takeInto(parts);
    return Buffer.concat(parts);
  }

  /** Whether complete frames moved out of a full slab wait to be taken (see `takeSlab`). */
  get hasSpilled(): boolean {
    return this.spilled.length > 0;
  }

  /**
   * The bytes encoded in the current slab since the last take, as a view (null if none). Only
   * everything pending when `hasSpilled` is false; `takeInto` takes spilled frames too.
   */
  takeSlab(): Buffer | null {
    if (this.pos === this.taken) return null;
    const out = this.buf.subarray(this.taken, this.pos);
    this.taken = this.pos;
    if (this.buf.length - this.pos < 512) this.renew(this.slabBytes);
    return out;
  }

  /** u8 length + UTF-8 (names, channels) */
  shortStr(s: string): void {
    this.ensure(1 + s.length * 3);
    if (this.asciiAt(s, this.pos + 1)) {
      this.buf[this.pos] = s.length;
      this.pos += 1 + s.length;
      return;
    }
    const n = this.buf.write(s, this.pos + 1, 'utf8');
    if (n > 255) throw new BadArgumentError(`name too long: ${s.slice(0, 40)}…`);
    this.buf[this.pos] = n;
    this.pos += 1 + n;
  }
  /** u16 length + UTF-8 */
  str(s: string): void {
    this.ensure(2 + s.length * 3);
    const n = this.buf.write(s, this.pos + 2, 'utf8');
    if (n > 0xffff) throw new BadArgumentError('string too long');
    this.buf.writeUInt16BE(n, this.pos);
    this.pos += 2 + n;
  }
  /** a tagged payload filling the rest of the frame */
  payload(p: Payload): void {
    if (p instanceof Uint8Array) {
      this.u8(PayloadTag.BYTES);
      this.bytes(p);
    } else if (typeof p === 'string') {
      this.u8(PayloadTag.STRING);
      this.utf8(p);
    } else {
      const json = JSON.stringify(p) as string | undefined;
      if (json === undefined) throw new BadArgumentError('payload is not JSON-serializable');
      this.u8(PayloadTag.JSON);
      this.utf8(json);
    }
  }
  /** raw UTF-8 to the end of the frame */
  utf8(s: string): void {
    this.ensure(s.length * 3);
    if (this.asciiAt(s, this.pos)) this.pos += s.length;
    else this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /**
   * Copies a short ASCII string (names, small payloads: the common case) to `at` by hand, which
   * is cheaper than a Buffer.write call into C++. False, having written garbage that the caller
   * overwrites, when `s` is long or not ASCII. Room must be ensured.
   */
  private asciiAt(s: string, at: number): boolean {
    const n = s.length;
    if (n > ASCII_BY_HAND_MAX) return false;
    const buf = this.buf;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return false;
      buf[at + i] = c;
    }
    return true;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    // complete frames stay where they are (handed out as a view of the old slab); only the frame
    // in progress moves, so no byte is copied twice however many frames a turn encodes
    const done = this.frameStart >= 0 ? this.frameStart : this.pos;
    if (done > this.taken) {
      this.spilled.push(this.buf.subarray(this.taken, done));
      this.spilledBytes += done - this.taken;
      this.taken = done;
    }
    this.renew(Math.max(this.slabBytes, 2 * (this.pos - this.taken + n)));
  }

  /** Moves untaken bytes (a frame in progress and frames not yet taken) into a new slab. */
  private renew(size: number): void {
    const next = Buffer.allocUnsafe(size);
    const keep = this.pos - this.taken;
    this.buf.copy(next, 0, this.taken, this.pos);
    if (this.frameStart >= 0) this.frameStart -= this.taken;
    this.buf = next;
    this.pos = keep;
    this.taken = 0;
  }
}

/** Encodes one standalone frame (control messages: handshake, mesh, monitor). */
export function encodeFrame(kind: number, body?: Uint8Array | string): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : (body ?? new Uint8Array(0));
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + b.length);
  out.writeUInt32BE(1 + b.length, 0);
  out[4] = kind;
  out.set(b, FRAME_HEADER_BYTES);
  return out;
}
