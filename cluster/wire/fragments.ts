import { ProtocolError } from '../errors.ts';
import { FRAME_HEADER_BYTES } from './framing.ts';
import { Kind, isFragmentableKind } from './kinds.ts';

/**
 * Cuts one encoded frame (length prefix included) into FRAG_FIRST/FRAG_NEXT frames of at most
 * `fragmentBytes` payload each. The inner frame travels without its own length prefix:
 * FRAG_FIRST carries the u32 total, then the pieces follow contiguously on the link.
 */
export class Fragmenter {
  private offset = 4; // skip the inner length prefix
  private readonly total: number;
  constructor(
    private readonly head: Buffer,
    private readonly fragmentBytes: number,
    /** bytes that logically follow `head` (a big payload sent without copying it first) */
    private readonly tail: Uint8Array | null = null,
  ) {
    this.total = head.length + (tail?.length ?? 0);
  }

  get done(): boolean {
    return this.offset >= this.total;
  }

  /** The next fragment frame (header included). */
  next(): Buffer {
    const first = this.offset === 4;
    const take = Math.min(this.fragmentBytes, this.total - this.offset);
    const extra = first ? 4 : 0;
    const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + extra + take);
    out.writeUInt32BE(1 + extra + take, 0);
    out[4] = first ? Kind.FRAG_FIRST : Kind.FRAG_NEXT;
    if (first) out.writeUInt32BE(this.total - 4, FRAME_HEADER_BYTES);
    let at = FRAME_HEADER_BYTES + extra;
    const end = this.offset + take;
    const hl = this.head.length;
    if (this.offset < hl) {
      const stop = Math.min(end, hl);
      this.head.copy(out, at, this.offset, stop);
      at += stop - this.offset;
    }
    if (end > hl && this.tail !== null) {
      const from = Math.max(this.offset, hl) - hl;
      out.set(this.tail.subarray(from, end - hl), at);
    }
    this.offset = end;
    return out;
  }
}

/** Reassembles fragments; hands back the inner frame once complete. */
export class Reassembler {
  private buf: Buffer | null = null;
  private fill = 0;

  constructor(private readonly maxMessageBytes: number) {}

  get busy(): boolean {
    return this.buf !== null;
  }

  /** Feeds one fragment frame body; returns the complete inner frame (kind at 0) or null. */
  push(kind: number, buf: Buffer, start: number, end: number): Buffer | null {
    let pos = start;
    if (kind === Kind.FRAG_FIRST) {
      if (this.buf !== null) throw new ProtocolError('fragment stream restarted mid-message');
      if (end - start < 5) throw new ProtocolError('short FRAG_FIRST');
      const total = buf.readUInt32BE(start);
      if (total < 1 || total > this.maxMessageBytes)
        throw new ProtocolError(
          `fragmented message of ${total} bytes exceeds ${this.maxMessageBytes}`,
        );
      if (!isFragmentableKind(buf[start + 4]!))
        throw new ProtocolError(`kind ${buf[start + 4]} cannot be fragmented`);
      this.buf = Buffer.allocUnsafe(total);
      this.fill = 0;
      pos += 4;
    } else if (this.buf === null) {
      throw new ProtocolError('FRAG_NEXT without FRAG_FIRST');
    }
    const n = end - pos;
    if (n === 0 || this.fill + n > this.buf.length)
      throw new ProtocolError('fragment overruns its message');
    buf.copy(this.buf, this.fill, pos, end);
    this.fill += n;
    if (this.fill < this.buf.length) return null;
    const done = this.buf;
    this.buf = null;
    return done;
  }
}
