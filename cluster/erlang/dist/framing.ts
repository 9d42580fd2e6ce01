/**
 * Length-prefixed packets: 2-byte lengths during the handshake, 4-byte after it. A push parser:
 * bytes go in as they arrive, whole packets come out; a length over `maxBytes` is refused before
 * anything is allocated for it.
 */
export class PacketParser {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(
    private headerBytes: 2 | 4,
    private maxBytes: number,
  ) {}

  /** Switches to another header size (after the handshake), keeping what is buffered. */
  switchTo(headerBytes: 2 | 4, maxBytes: number): void {
    this.headerBytes = headerBytes;
    this.maxBytes = maxBytes;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next whole packet (possibly empty: a tick), `undefined` if none yet; throws on oversize. */
  next(): Buffer | undefined {
    const h = this.headerBytes;
    if (this.buffered < h) return undefined;
    if (this.chunks[0]!.length < h) this.flatten();
    const head = this.chunks[0]!;
    const len = h === 2 ? head.readUInt16BE(0) : head.readUInt32BE(0);
    if (len > this.maxBytes) throw new Error(`packet of ${len} bytes exceeds ${this.maxBytes}`);
    if (this.buffered < h + len) return undefined;
    if (head.length < h + len) this.flatten();
    const first = this.chunks[0]!;
    const packet = first.subarray(h, h + len);
    if (first.length === h + len) this.chunks.shift();
    else this.chunks[0] = first.subarray(h + len);
    this.buffered -= h + len;
    return packet;
  }

  private flatten(): void {
    this.chunks = [Buffer.concat(this.chunks)];
  }
}

export function frame2(body: Buffer): Buffer {
  const b = Buffer.allocUnsafe(2 + body.length);
  b.writeUInt16BE(body.length, 0);
  body.copy(b, 2);
  return b;
}
