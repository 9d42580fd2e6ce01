import { MESSAGE_HEADER_ALLOWANCE_BYTES } from '../constants.ts';
import { ProtocolError } from '../errors.ts';
import { FRAME_HEADER_BYTES } from './framing.ts';
import { Kind, channelOf, isFragmentableKind } from './kinds.ts';

/**
 * Cuts one encoded frame (length prefix included) into FRAG_FIRST/FRAG_NEXT frames of at most
 * `fragmentBytes` payload each. The inner frame travels without its own length prefix:
 * FRAG_FIRST carries the u32 total, then the pieces follow contiguously on the link. Each
 * fragment is a small fresh header followed by views of `head` and `tail` (never a copy of the
 * payload), so cutting a 64 MiB message costs a few allocations per fragment, not a memcpy.
 */
export class Fragmenter {
  private offset = 4; // skip the inner length prefix
  private readonly total: number;
  private readonly tailBuf: Buffer | null;
  constructor(
    private readonly head: Buffer,
    private readonly fragmentBytes: number,
    /** bytes that logically follow `head` (a big payload sent without copying it first) */
    tail: Uint8Array | null = null,
    /** instrumentation channel of the message (the receiver learns it from the inner frame) */
    readonly channel = '',
  ) {
    this.tailBuf = tail === null ? null : Buffer.from(tail.buffer, tail.byteOffset, tail.length);
    this.total = head.length + (tail?.length ?? 0);
  }

  get done(): boolean {
    return this.offset >= this.total;
  }

  /** inner frame bytes (without its length prefix): what FRAG_FIRST announces */
  get messageBytes(): number {
    return this.total - 4;
  }

  /** whether no fragment has been cut yet */
  get fresh(): boolean {
    return this.offset === 4;
  }

  /** Appends the next fragment frame to `out` as a header plus views; returns its wire size. */
  nextInto(out: Buffer[]): number {
    const first = this.offset === 4;
    const take = Math.min(this.fragmentBytes, this.total - this.offset);
    const extra = first ? 4 : 0;
    const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES + extra);
    header.writeUInt32BE(1 + extra + take, 0);
    header[4] = first ? Kind.FRAG_FIRST : Kind.FRAG_NEXT;
    if (first) header.writeUInt32BE(this.total - 4, FRAME_HEADER_BYTES);
    out.push(header);
    const end = this.offset + take;
    const hl = this.head.length;
    if (this.offset < hl) out.push(this.head.subarray(this.offset, Math.min(end, hl)));
    if (end > hl && this.tailBuf !== null)
      out.push(this.tailBuf.subarray(Math.max(this.offset, hl) - hl, end - hl));
    this.offset = end;
    return header.length + take;
  }

  /** The next fragment frame as one buffer (a copy; for tests and tools). */
  next(): Buffer {
    const parts: Buffer[] = [];
    this.nextInto(parts);
    return Buffer.concat(parts);
  }
}

/** The error for a message from a peer over our maximum (it closes the link). */
export function messageTooLarge(bytes: number, max: number): ProtocolError {
  return new ProtocolError(
    `peer sent a message of ${bytes} bytes, which exceeds the maximum message size (maxMessageBytes) of ${max}`,
  );
}

/**
 * Reassembles fragments; hands back the inner frame once complete. The buffer is allocated once,
 * at the size FRAG_FIRST announces (refused at once over the maximum), uninitialised: a big
 * allocation is mapped lazily by the system, so memory is committed page by page as fragments
 * fill it, and nothing is ever copied twice or grown (growing in steps cost the bulk path a
 * resize per doubling and its page commits in bursts). Fragments only come from a peer that
 * proved the cookie; before that, frames are bounded by `maxPreauthBytes`.
 */
export class Reassembler {
  private buf: Buffer | null = null;
  private fill = 0;

  constructor(readonly maxMessageBytes: number) {}

  get busy(): boolean {
    return this.buf !== null;
  }

  /** Largest inner frame accepted: the payload limit plus its header. */
  get maxFrameBytes(): number {
    return this.maxMessageBytes + MESSAGE_HEADER_ALLOWANCE_BYTES;
  }

  /**
   * Where the body of a FRAG_NEXT of `n` bytes may be copied straight to (the parser's zero-copy
   * route), or null when it would not fit (the normal path then raises the error).
   */
  directTarget(n: number): { buf: Buffer; offset: number } | null {
    if (this.buf === null || n === 0 || this.fill + n > this.buf.length) return null;
    return { buf: this.buf, offset: this.fill };
  }

  /** The `n` bytes given by `directTarget` into `buf` are written; returns the message if done. */
  directDone(buf: Buffer, n: number): Buffer | null {
    if (this.buf !== buf) return null; // discarded meanwhile (a fault edge)
    this.fill += n;
    if (this.fill < buf.length) return null;
    this.buf = null;
    return buf;
  }

  /** Discards a partial message (its missing fragments were lost); true when there was one. */
  reset(): boolean {
    const had = this.buf !== null;
    this.buf = null;
    this.fill = 0;
    return had;
  }

  /** Feeds one fragment frame body; returns the complete inner frame (kind at 0) or null. */
  push(kind: number, buf: Buffer, start: number, end: number): Buffer | null {
    let pos = start;
    if (kind === Kind.FRAG_FIRST) {
      if (this.buf !== null) throw new ProtocolError('fragment stream restarted mid-message');
      if (end - start < 5) throw new ProtocolError('short FRAG_FIRST');
      const total = buf.readUInt32BE(start);
      if (total < 1) throw new ProtocolError('empty fragmented message');
      if (total > this.maxFrameBytes) throw messageTooLarge(total, this.maxMessageBytes);
      if (!isFragmentableKind(buf[start + 4]!))
        throw new ProtocolError(`kind ${buf[start + 4]} cannot be fragmented`);
      // allocUnsafeSlow: never from the shared pool, so the message owns its memory alone
      this.buf = Buffer.allocUnsafeSlow(total);
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

/**
 * The instrumentation channel of a fragmented message, read from its first fragment: a SEND's
 * own channel (u8 name, u8 channel after the kind) when it fits, else the kind's channel.
 */
export function innerChannel(buf: Buffer, at: number, end: number): string {
  const kind = buf[at];
  if (kind === Kind.SEND && at + 2 <= end) {
    const c = at + 2 + buf[at + 1]!;
    if (c < end) {
      const n = buf[c]!;
      if (n === 0) return 'send';
      if (c + 1 + n <= end) return buf.toString('utf8', c + 1, c + 1 + n);
    }
    return 'send';
  }
  return (kind === undefined ? undefined : channelOf(kind)) ?? 'send';
}
