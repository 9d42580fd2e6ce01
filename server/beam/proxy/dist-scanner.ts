/**
 * A push scanner for one direction of a distribution connection, as the proxy forwards it:
 * handshake packets (2-byte lengths) until this side's last handshake message, then frames
 * (4-byte lengths). It sees every byte once, in order, and keeps only a frame's beginning (to
 * name its destination) and the state of unfinished fragmented messages: memory stays bounded
 * whatever the size of a message. It never changes or holds the bytes it is shown.
 */
import { AtomCache, UNKNOWN_DESTINATION, classifyFrame, type FrameKind } from './dist-header.ts';
import {
  DEFAULT_MAX_FRAGMENTED_MESSAGES,
  DEFAULT_MAX_FRAME_PREFIX_BYTES,
  DEFAULT_MAX_PID_DESTINATIONS,
  MAX_HANDSHAKE_PACKET_BYTES,
} from './constants.ts';

/** Which end of the connection sends this direction's bytes. */
export type HandshakeRole = 'initiator' | 'acceptor';

export interface ScanSink {
  /** one handshake packet (its body: tag and payload); 2 + body.length bytes on the wire */
  handshake(body: Buffer): void;
  /** a whole message: its frames' bytes on the wire (length prefixes included) */
  message(channel: string, bytes: number, frames: number): void;
  /** a zero-length frame: 4 bytes on the wire */
  tick(): void;
  /** bytes that are not the distribution protocol; the scanner stops reading this direction */
  garbage(reason: string): void;
}

export interface ScannerOptions {
  readonly maxFramePrefixBytes?: number;
  readonly maxPidDestinations?: number;
  readonly maxFragmentedMessages?: number;
}

const EMPTY = Buffer.alloc(0);

interface Unfinished {
  channel: string;
  bytes: number;
  frames: number;
}

export class DistScanner {
  private phase: 'handshake' | 'frames' | 'stopped' = 'handshake';
  private hs: Buffer = Buffer.alloc(0);
  private readonly lenBuf = Buffer.alloc(4);
  private lenHave = 0;
  /** bytes of the current frame body still to come; -1 while reading a length */
  private remaining = -1;
  private frameLen = 0;
  private kind: FrameKind | undefined;
  private prefix: Buffer[] = [];
  private prefixLen = 0;
  private readonly cache = new AtomCache();
  private readonly unfinished = new Map<bigint, Unfinished>();
  private readonly pids = new Set<string>();
  private readonly maxPrefix: number;
  private readonly maxPids: number;
  private readonly maxUnfinished: number;

  constructor(
    private readonly role: HandshakeRole,
    private readonly sink: ScanSink,
    options: ScannerOptions = {},
  ) {
    this.maxPrefix = options.maxFramePrefixBytes ?? DEFAULT_MAX_FRAME_PREFIX_BYTES;
    this.maxPids = options.maxPidDestinations ?? DEFAULT_MAX_PID_DESTINATIONS;
    this.maxUnfinished = options.maxFragmentedMessages ?? DEFAULT_MAX_FRAGMENTED_MESSAGES;
  }

  /** bytes the scanner holds of what it was shown: a frame's beginning, a handshake packet */
  get heldBytes(): number {
    return this.prefixLen + this.hs.length;
  }

  push(chunk: Buffer): void {
    let p = 0;
    while (p < chunk.length) {
      if (this.phase === 'stopped') return;
      if (this.phase === 'handshake') {
        p = this.handshakeBytes(chunk, p);
        continue;
      }
      if (this.remaining < 0) {
        if (this.lenHave === 0 && chunk.length - p >= 4) {
          this.frameLen = chunk.readUInt32BE(p);
          p += 4;
        } else {
          const n = Math.min(4 - this.lenHave, chunk.length - p);
          chunk.copy(this.lenBuf, this.lenHave, p, p + n);
          this.lenHave += n;
          p += n;
          if (this.lenHave < 4) return;
          this.frameLen = this.lenBuf.readUInt32BE(0);
        }
        this.lenHave = 0;
        this.remaining = this.frameLen;
        this.kind = undefined;
        if (this.frameLen === 0) {
          this.endFrame({ kind: 'tick' });
          continue;
        }
      }
      const take = Math.min(this.remaining, chunk.length - p);
      if (this.kind === undefined) this.collectPrefix(chunk.subarray(p, p + take));
      p += take;
      this.remaining -= take;
      if (this.remaining === 0) {
        this.endFrame(this.kind ?? this.classify());
      }
    }
  }

  private collectPrefix(piece: Buffer): void {
    const room = this.maxPrefix - this.prefixLen;
    if (room > 0) {
      const kept = piece.length > room ? piece.subarray(0, room) : piece;
      this.prefix.push(kept);
      this.prefixLen += kept.length;
    }
    const k = this.tryClassify();
    if (k.kind !== 'more') this.kind = k;
  }

  private tryClassify(): FrameKind {
    if (this.prefix.length > 1) this.prefix = [Buffer.concat(this.prefix)];
    const buf = this.prefix[0] ?? EMPTY;
    const k = classifyFrame(buf, this.frameLen, this.cache, this.maxPrefix);
    if (k.kind !== 'more') {
      this.prefix = [];
      this.prefixLen = 0;
    }
    return k;
  }

  /** At the end of a frame, when its beginning did not classify (cannot happen: all is there). */
  private classify(): FrameKind {
    const k = this.tryClassify();
    return k.kind === 'more' ? { kind: 'message', channel: UNKNOWN_DESTINATION } : k;
  }

  private endFrame(kind: FrameKind): void {
    const bytes = 4 + this.frameLen;
    this.remaining = -1;
    this.kind = undefined;
    switch (kind.kind) {
      case 'tick':
        this.sink.tick();
        return;
      case 'message': {
        const channel = this.bounded(kind.channel);
        if (kind.sequence === undefined || kind.fragments === undefined || kind.fragments <= 1n) {
          this.sink.message(channel, bytes, 1);
          return;
        }
        if (this.unfinished.size >= this.maxUnfinished) this.flushOldest();
        this.unfinished.set(kind.sequence, { channel, bytes, frames: 1 });
        return;
      }
      case 'fragment': {
        const u = this.unfinished.get(kind.sequence);
        if (u === undefined) {
          // A continuation whose start was flushed (too many in flight): counted on its own.
          if (kind.fragmentId <= 1n) this.sink.message(UNKNOWN_DESTINATION, bytes, 1);
          else {
            if (this.unfinished.size >= this.maxUnfinished) this.flushOldest();
            this.unfinished.set(kind.sequence, { channel: UNKNOWN_DESTINATION, bytes, frames: 1 });
          }
          return;
        }
        u.bytes += bytes;
        u.frames++;
        if (kind.fragmentId <= 1n) {
          this.unfinished.delete(kind.sequence);
          this.sink.message(u.channel, u.bytes, u.frames);
        }
        return;
      }
      case 'more':
        return;
    }
  }

  private flushOldest(): void {
    const [seq, u] = this.unfinished.entries().next().value as [bigint, Unfinished];
    this.unfinished.delete(seq);
    this.sink.message(u.channel, u.bytes, u.frames);
  }

  /** Pid destinations are many and short-lived: past a few per direction they share one row. */
  private bounded(channel: string): string {
    if (!channel.startsWith('pid:') || this.pids.has(channel)) return channel;
    if (this.pids.size >= this.maxPids) return 'pid:other';
    this.pids.add(channel);
    return channel;
  }

  private handshakeBytes(chunk: Buffer, p: number): number {
    // Handshake packets are small and few; copying them is simpler than slicing across chunks.
    const need = (): number => (this.hs.length < 2 ? 2 : 2 + this.hs.readUInt16BE(0));
    while (p < chunk.length) {
      const want = need() - this.hs.length;
      const n = Math.min(want, chunk.length - p);
      this.hs = Buffer.concat([this.hs, chunk.subarray(p, p + n)]);
      p += n;
      if (this.hs.length === 2 && this.hs.readUInt16BE(0) > MAX_HANDSHAKE_PACKET_BYTES) {
        this.phase = 'stopped';
        this.sink.garbage(`handshake packet of ${this.hs.readUInt16BE(0)} bytes`);
        return chunk.length;
      }
      if (this.hs.length < 2 || this.hs.length < need()) continue;
      const body = this.hs.subarray(2);
      this.hs = Buffer.alloc(0);
      this.sink.handshake(body);
      const tag = String.fromCharCode(body[0] ?? 0);
      // This side's last handshake message: the initiator's challenge reply, the acceptor's ack.
      if ((this.role === 'initiator' && tag === 'r') || (this.role === 'acceptor' && tag === 'a')) {
        this.phase = 'frames';
        return p;
      }
    }
    return p;
  }
}

/** The node name in a `send_name` (`n` or `N`) or challenge (`n` or `N`) handshake message. */
export function handshakeName(body: Buffer, role: HandshakeRole): string | undefined {
  const tag = String.fromCharCode(body[0] ?? 0);
  try {
    if (tag === 'N') {
      // send_name: flags 8, creation 4; challenge: flags 8, challenge 4, creation 4
      const at = role === 'initiator' ? 13 : 17;
      const len = body.readUInt16BE(at);
      if (body.length < at + 2 + len) return undefined;
      return body.toString('utf8', at + 2, at + 2 + len);
    }
    if (tag === 'n') {
      // send_name: version 2, flags 4; challenge: version 2, flags 4, challenge 4
      return body.toString('utf8', role === 'initiator' ? 7 : 11);
    }
  } catch {
    return undefined;
  }
  return undefined;
}
