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
  /** fragment bytes in flight before the receiver's acknowledgement (default: no limit) */
  readonly bulkWindowBytes?: number;
  /** schedules the end-of-turn flush (queueMicrotask in production) */
  readonly schedule: (fn: () => void) => void;
}

/**
 * The send path of one connection, in three lanes. Control frames (tick, handshake, mesh,
 * monitor) go first. Small data frames are encoded straight into a shared slab and leave in one
 * batch per event-loop turn (no per-message write or promise), in the order they were sent. A big
 * message is cut into fragments that go in a lane of their own, and only as much data as the
 * socket can take is handed over per flush, small data first: so neither a control frame nor a
 * small message waits behind a bulk transfer, only behind one socket buffer. Order is kept per
 * destination (a SEND's registered name, an RPC handler's name): a frame to a destination with a
 * fragmented message still queued goes in the bulk lane behind it. The owner calls `flush()` on
 * 'drain'.
 */
export class Outbound {
  readonly encoder: FrameEncoder;
  private control: Buffer[] = [];
  /** small data waiting for socket room, in send order; `head` indexes its first item */
  private data: Buffer[] = [];
  private head = 0;
  /** fragmented messages, and frames ordered behind them; `bulkHead` indexes the first */
  private bulk: (Buffer | Fragmenter)[] = [];
  private bulkOrder: (string | undefined)[] = [];
  /** per bulk item: the small data items sent before it, which must leave first */
  private bulkAfter: number[] = [];
  private bulkHead = 0;
  /** small data items handed to the socket so far (what `bulkAfter` counts against) */
  private dataTaken = 0;
  /** fragment bytes sent and not yet acknowledged by the receiver (see `acked`) */
  private inFlight = 0;
  /** destinations with items in the bulk lane, and how many */
  private readonly bulkKeys = new Map<string, number>();
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
   * Call after encoding one data frame of `size` bytes into `encoder`, `payloadBytes` of them its
   * payload (checked against maxMessageBytes), `order` its destination (frames to one
   * destination keep their order; none: no order with later frames). Returns true when the
   * frame will travel as fragments (each reported to `fragmentSent` as it leaves).
   */
  dataEnded(size: number, channel = '', order?: string, payloadBytes = size - 5): boolean {
    if (payloadBytes > (this.options.maxMessageBytes ?? Infinity)) {
      this.encoder.extractLast(size);
      this.tooLarge(payloadBytes);
    }
    if (size > this.options.fragmentBytes + FRAGMENT_SLACK_BYTES) {
      const frame = this.encoder.extractLast(size);
      this.encoder.takeInto(this.data);
      this.queueBulk(new Fragmenter(frame, this.options.fragmentBytes, null, channel), order);
      this.requestFlush();
      return true;
    }
    if (order !== undefined && this.bulkKeys.size > 0 && this.bulkKeys.has(order)) {
      const frame = this.encoder.extractLast(size);
      this.encoder.takeInto(this.data);
      this.queueBulk(frame, order);
      this.requestFlush();
      return false;
    }
    if (this.encoder.pending >= FLUSH_THRESHOLD_BYTES) this.flush();
    else this.requestFlush();
    return false;
  }

  /**
   * Call after `encoder.endExternal(external.length)`: the frame's payload is `external`, queued
   * as is (not copied), so the caller must not modify it afterwards, as with `socket.write`.
   */
  dataEndedExternal(headSize: number, external: Uint8Array, channel = '', order?: string): boolean {
    if (external.length > (this.options.maxMessageBytes ?? Infinity)) {
      this.encoder.extractLast(headSize);
      this.tooLarge(external.length);
    }
    const fragmented =
      headSize + external.length > this.options.fragmentBytes + FRAGMENT_SLACK_BYTES;
    const view = (): Buffer => Buffer.from(external.buffer, external.byteOffset, external.length);
    if (fragmented) {
      const head = this.encoder.extractLast(headSize);
      this.encoder.takeInto(this.data);
      this.queueBulk(new Fragmenter(head, this.options.fragmentBytes, external, channel), order);
    } else if (order !== undefined && this.bulkKeys.size > 0 && this.bulkKeys.has(order)) {
      const head = this.encoder.extractLast(headSize);
      this.encoder.takeInto(this.data);
      this.queueBulk(head, order);
      this.queueBulk(view(), order);
    } else {
      this.encoder.takeInto(this.data);
      this.data.push(view());
    }
    this.requestFlush();
    return fragmented;
  }

  /** Call with the small data sent before `item` already in `data`. */
  private queueBulk(item: Buffer | Fragmenter, order: string | undefined): void {
    this.bulk.push(item);
    this.bulkOrder.push(order);
    this.bulkAfter.push(this.dataTaken + this.data.length - this.head);
    if (order !== undefined) this.bulkKeys.set(order, (this.bulkKeys.get(order) ?? 0) + 1);
  }

  /** Removes the bulk lane's first item (sent, or dropped). */
  private shiftBulk(): void {
    const order = this.bulkOrder[this.bulkHead];
    this.bulk[this.bulkHead] = EMPTY;
    this.bulkOrder[this.bulkHead] = undefined;
    this.bulkHead++;
    if (order === undefined) return;
    const n = this.bulkKeys.get(order)! - 1;
    if (n === 0) this.bulkKeys.delete(order);
    else this.bulkKeys.set(order, n);
  }

  /**
   * Drops the rest of a fragmented message that has started to leave (a fault cut it: its
   * missing fragments are lost frames). Returns true when one was dropped, so the caller can
   * tell the peer to discard what it has of it.
   */
  abandonPartial(): boolean {
    const item = this.bulk[this.bulkHead];
    if (!(item instanceof Fragmenter) || item.fresh) return false;
    this.shiftBulk();
    return true;
  }

  /** The receiver consumed `bytes` more of our fragments: the window opens by as much. */
  acked(bytes: number): void {
    this.inFlight = Math.max(0, this.inFlight - bytes);
    if (this.bulkHead < this.bulk.length) this.requestFlush();
  }

  /** Forgets the fragment bytes counted in flight (lost to a fault, with their acks). */
  resetWindow(): void {
    this.inFlight = 0;
    if (this.bulkHead < this.bulk.length) this.requestFlush();
  }

  /** Queues a control frame ahead of all data. */
  sendControl(frame: Buffer): void {
    this.control.push(frame);
    this.requestFlush();
  }

  /** items waiting in this scheduler (not counting the socket's own buffer) */
  get queuedItems(): number {
    return this.data.length - this.head + this.bulk.length - this.bulkHead + this.control.length;
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
    const bulkWaiting = this.bulkHead < this.bulk.length;
    if (
      this.control.length === 0 &&
      this.head === this.data.length &&
      !bulkWaiting &&
      !this.encoder.hasSpilled
    ) {
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
    // small data next, but leaving a fragment's room to the bulk lane, so that a stream of small
    // messages cannot starve a transfer; then fragments; then small data again
    budget = this.takeData(batch, budget, bulkWaiting ? this.options.fragmentBytes : 0);
    budget = this.takeBulk(batch, budget);
    this.takeData(batch, budget, 0);
    if (batch.length > 0) this.port.writeBatch(batch);
  }

  /** Moves small data into `batch` while more than `keep` bytes of budget are left. */
  private takeData(batch: Buffer[], budget: number, keep: number): number {
    while (this.head < this.data.length && budget > keep) {
      const item = this.data[this.head]!;
      batch.push(item);
      budget -= item.length;
      this.data[this.head++] = EMPTY;
      this.dataTaken++;
    }
    if (this.head === this.data.length) {
      this.data.length = 0;
      this.head = 0;
    } else if (this.head > 1024) {
      this.data = this.data.slice(this.head);
      this.head = 0;
    }
    return budget;
  }

  /** Moves fragments (and frames ordered behind them) into `batch` while budget is left. */
  private takeBulk(batch: Buffer[], budget: number): number {
    const window = this.options.bulkWindowBytes ?? Infinity;
    while (this.bulkHead < this.bulk.length && budget > 0 && this.inFlight < window) {
      // FIFO with what was sent before: an item starts once the small data before it has left
      if (this.bulkAfter[this.bulkHead]! > this.dataTaken) break;
      const item = this.bulk[this.bulkHead]!;
      if (item instanceof Fragmenter) {
        const bytes = item.nextInto(batch);
        budget -= bytes;
        this.inFlight += bytes;
        this.port.fragmentSent?.(item.channel, bytes);
        if (item.done) this.shiftBulk();
      } else {
        batch.push(item);
        budget -= item.length;
        this.shiftBulk();
      }
    }
    if (this.bulkHead === this.bulk.length) {
      this.bulk.length = 0;
      this.bulkOrder.length = 0;
      this.bulkAfter.length = 0;
      this.bulkHead = 0;
    } else if (this.bulkHead > 1024) {
      this.bulk = this.bulk.slice(this.bulkHead);
      this.bulkOrder = this.bulkOrder.slice(this.bulkHead);
      this.bulkAfter = this.bulkAfter.slice(this.bulkHead);
      this.bulkHead = 0;
    }
    return budget;
  }

  close(): void {
    this.closed = true;
    this.control.length = 0;
    this.data = [];
    this.head = 0;
    this.bulk = [];
    this.bulkOrder = [];
    this.bulkAfter = [];
    this.bulkHead = 0;
    this.bulkKeys.clear();
    this.inFlight = 0;
  }
}
