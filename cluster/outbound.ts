import { FRAGMENT_SLACK_BYTES, FLUSH_THRESHOLD_BYTES } from './constants.ts';
import { MessageTooLargeError } from './errors.ts';
import { FrameEncoder } from './wire/encoder.ts';
import { Fragmenter } from './wire/fragments.ts';

const RESOLVED = Promise.resolve();

/**
 * Runs `fn` as a microtask, at the end of the current turn. Node's `queueMicrotask` makes an
 * async resource per call (a measurable share of an RPC round trip, at one flush per frame sent
 * alone); a reaction on a resolved promise is the bare V8 microtask. `flush` does not throw.
 */
export function atEndOfTurn(fn: () => void): void {
  void RESOLVED.then(fn);
}

/** Where the scheduler writes: one batch of buffers per call, and how full the socket already is. */
const EMPTY = Buffer.alloc(0);

export interface WritePort {
  writeBatch(buffers: Buffer[]): void;
  /** one buffer of data frames (the common case: no batch array to build) */
  writeData(buffer: Buffer): void;
  writableLength(): number;
  /** a fragment of a message on `channel` was handed to the socket (for instrumentation) */
  fragmentSent?(channel: string, bytes: number): void;
}

export interface OutboundOptions {
  readonly fragmentBytes: number;
  /** data waits while the socket buffers more than this */
  readonly highWaterBytes: number;
  readonly slabBytes: number;
  /** largest message (kind and body) a peer accepts; bigger ones throw (default: no limit) */
  readonly maxMessageBytes?: number;
  /** schedules the end-of-turn flush (queueMicrotask in production) */
  readonly schedule: (fn: () => void) => void;
}

/**
 * The send path of one connection. Small data frames are encoded straight into a shared slab
 * and leave in one batch per event-loop turn (no per-message write or promise). Control frames
 * (tick, handshake, mesh, monitor) jump ahead of queued data; a big message is cut into fragments
 * and only as much data as the socket can take is handed over, so a control frame waits at most
 * one socket buffer, never a whole bulk transfer. The owner calls `flush()` on 'drain'.
 */
export class Outbound {
  readonly encoder: FrameEncoder;
  private control: Buffer[] = [];
  /** data waiting for socket room; `head` indexes its first item (no O(n) shift per item) */
  private data: (Buffer | Fragmenter)[] = [];
  private head = 0;
  private scheduled = false;
  private closed = false;
  /** inside `hold`: flush requests are remembered, and served when the hold ends */
  private holding = false;
  private heldRequest = false;
  private readonly flushBound = (): void => this.flush();

  constructor(
    private readonly port: WritePort,
    private readonly options: OutboundOptions,
  ) {
    this.encoder = new FrameEncoder(options.slabBytes);
  }

  private tooLarge(bytes: number): never {
    throw new MessageTooLargeError(
      `message of ${bytes} bytes exceeds the maximum message size (maxMessageBytes) of ${this.options.maxMessageBytes}`,
    );
  }

  /**
   * Call after encoding one data frame of `size` bytes into `encoder`. Returns true when the
   * frame will travel as fragments (each reported to `fragmentSent` as it leaves).
   */
  dataEnded(size: number, channel = ''): boolean {
    if (size - 4 > (this.options.maxMessageBytes ?? Infinity)) {
      this.encoder.extractLast(size);
      this.tooLarge(size - 4);
    }
    if (size > this.options.fragmentBytes + FRAGMENT_SLACK_BYTES) {
      const frame = this.encoder.extractLast(size);
      this.encoder.takeInto(this.data);
      this.data.push(new Fragmenter(frame, this.options.fragmentBytes, null, channel));
      this.requestFlush();
      return true;
    }
    if (this.encoder.pending >= FLUSH_THRESHOLD_BYTES) this.flush();
    else this.requestFlush();
    return false;
  }

  /**
   * Call after `encoder.endExternal(external.length)`: the frame's payload is `external`, queued
   * as is (not copied), so the caller must not modify it afterwards, as with `socket.write`.
   */
  dataEndedExternal(headSize: number, external: Uint8Array, channel = ''): boolean {
    if (headSize + external.length - 4 > (this.options.maxMessageBytes ?? Infinity)) {
      this.encoder.extractLast(headSize);
      this.tooLarge(headSize + external.length - 4);
    }
    const fragmented =
      headSize + external.length > this.options.fragmentBytes + FRAGMENT_SLACK_BYTES;
    if (fragmented) {
      const head = this.encoder.extractLast(headSize);
      this.encoder.takeInto(this.data);
      this.data.push(new Fragmenter(head, this.options.fragmentBytes, external, channel));
    } else {
      this.encoder.takeInto(this.data);
      this.data.push(Buffer.from(external.buffer, external.byteOffset, external.length));
    }
    this.requestFlush();
    return fragmented;
  }

  /**
   * Drops the rest of a fragmented message that has started to leave (a fault cut it: its
   * missing fragments are lost frames). Returns true when one was dropped, so the caller can
   * tell the peer to discard what it has of it.
   */
  abandonPartial(): boolean {
    const item = this.data[this.head];
    if (!(item instanceof Fragmenter) || item.fresh) return false;
    this.data[this.head++] = EMPTY;
    return true;
  }

  /** Queues a control frame ahead of all data. */
  sendControl(frame: Buffer): void {
    this.control.push(frame);
    this.requestFlush();
  }

  /** bytes waiting in this scheduler (not counting the socket's own buffer) */
  get queuedItems(): number {
    return this.data.length - this.head + this.control.length;
  }

  requestFlush(): void {
    if (this.scheduled || this.closed) return;
    if (this.holding) {
      this.heldRequest = true;
      return;
    }
    this.scheduled = true;
    this.options.schedule(this.flushBound);
  }

  /**
   * From here until `releaseFlushes`, flush requests are only remembered. The owner brackets the
   * handling of one chunk read from this link with the two, so that the replies handlers give
   * synchronously leave in one write when the chunk is done, with no flush scheduled per chunk.
   */
  holdFlushes(): void {
    this.holding = true;
  }

  releaseFlushes(): void {
    this.holding = false;
    if (this.heldRequest) {
      this.heldRequest = false;
      this.flush();
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.closed) return;
    if (this.control.length === 0 && this.head === this.data.length && !this.encoder.hasSpilled) {
      // the common case, this turn's small data frames and nothing else: one buffer, one write
      const slab = this.encoder.takeSlab();
      if (slab === null) return;
      if (this.port.writableLength() < this.options.highWaterBytes) this.port.writeData(slab);
      else this.data.push(slab);
      return;
    }
    this.encoder.takeInto(this.data);
    // the control queue becomes the batch (control frames go first): no splice per flush
    const batch = this.control;
    this.control = [];
    let budget = this.options.highWaterBytes - this.port.writableLength();
    while (this.head < this.data.length && budget > 0) {
      const item = this.data[this.head]!;
      if (item instanceof Fragmenter) {
        const bytes = item.nextInto(batch);
        budget -= bytes;
        this.port.fragmentSent?.(item.channel, bytes);
        if (item.done) this.data[this.head++] = EMPTY;
      } else {
        batch.push(item);
        budget -= item.length;
        this.data[this.head++] = EMPTY;
      }
    }
    if (this.head === this.data.length) {
      this.data.length = 0;
      this.head = 0;
    } else if (this.head > 1024) {
      this.data = this.data.slice(this.head);
      this.head = 0;
    }
    if (batch.length > 0) this.port.writeBatch(batch);
  }

  close(): void {
    this.closed = true;
    this.control.length = 0;
    this.data = [];
    this.head = 0;
  }
}
