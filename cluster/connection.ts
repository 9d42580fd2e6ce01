/**
 * One link to a peer: the socket, its handshake, heartbeat, outbound queue and fragment reassembly
 * tied together (each of those is a module of its own). About 400 lines because it is the one
 * place where their events meet.
 */
import type { LatencyFault, NodeDownReason, NodeName } from './api.ts';
import type { ConnectionHost } from './connection-host.ts';
import { DelayLine } from './delay-line.ts';
import {
  BULK_ACK_STEP_BYTES,
  BULK_WINDOW_BYTES,
  DEFAULT_SOCKET_HIGH_WATER_BYTES,
  SLAB_BYTES,
} from './constants.ts';
import { ProtocolError } from './errors.ts';
import { newChallenge } from './handshake.ts';
import { HandshakeMachine, describeEnd, type Step } from './handshake-machine.ts';
import { Heartbeat } from './heartbeat.ts';
import { Outbound, atEndOfTurn } from './outbound.ts';
import { directWriter, readFrom, type DirectWrite, type Socket } from './transport.ts';
import { encodeFrame } from './wire/encoder.ts';
import { Reassembler, innerChannel, messageTooLarge } from './wire/fragments.ts';
import { FrameParser } from './wire/framing.ts';
import { FRAG_ACK_RESET, Kind, isHandshakeKind } from './wire/kinds.ts';
import { controlBody } from './wire/control.ts';
import { BodyReader, NameCache } from './wire/reader.ts';

export type { ConnectionConfig, ConnectionHost } from './connection-host.ts';

type State = 'handshake' | 'up' | 'closed';

/** The one tick frame every link writes (length 1, kind TICK); never written to. */
const TICK_FRAME = encodeFrame(Kind.TICK);

/**
 * One socket to one peer: framing, the handshake (both roles), the send scheduler, the
 * heartbeat and the fault filter. Post-handshake frames go to the host.
 */
export class Connection {
  state: State = 'handshake';
  /** fault filter, refreshed by the node when faults change */
  blackholed = false;
  /** added latency, when there is any */
  latency: LatencyFault | undefined;
  readonly outbound: Outbound;
  /** last destination name, channel and RPC handler decoded on this connection */
  readonly nameCache = new NameCache();
  readonly channelCache = new NameCache();
  readonly handlerCache = new NameCache();
  private readonly parser: FrameParser;
  /** reads each frame's body; frames are handled one at a time, to completion */
  private readonly reader = new BodyReader(Buffer.alloc(0), 0, 0);
  /** the ArrayBuffer the socket reads into again and again, if it does (see `readFrom`) */
  private readonly sharedReads: ArrayBufferLike | null;
  private readonly reassembler: Reassembler;
  private heartbeat: Heartbeat | null = null;
  private handshakeTimer: unknown;
  private readonly handshake: HandshakeMachine;
  /** bytes received while in handshake */
  private preauthBytes = 0;
  private sentMark = false;
  private heardInChunk = false;
  /** after a fault edge: FRAG_NEXT frames of a message cut by the fault are lost frames, dropped */
  private orphanFragments = false;
  /** a fragmented message we were sending was cut by a blackhole: tell the peer once healed */
  private abortOwed = false;
  /** reassembly buffer a fragment body is being copied into by the parser */
  private directBuf: Buffer | null = null;
  /** fragment bytes consumed and not yet acknowledged to the sender */
  private fragUnacked = 0;
  /** channel of the fragmented message being received */
  private fragChannel = '';
  private readonly delayLine: DelayLine;
  /** one write(2) past the stream layer, for ticks (null under TLS) */
  private readonly directWrite: DirectWrite | null;

  constructor(
    private readonly host: ConnectionHost,
    readonly socket: Socket,
    readonly initiator: boolean,
    /** initiator: the name we expect, if the target named it */
    readonly expectedPeer?: NodeName,
  ) {
    const c = host.config;
    const port = { self: c, newChallenge, outstanding: host.challenges };
    this.handshake = new HandshakeMachine(
      {
        ...port,
        send: (kind, body) => void this.sendControl(kind, body),
        named: () => {
          this.refreshFaults(); // faults are by peer name: a blackhole swallows handshakes too
          return !this.blackholed;
        },
        admitClaimed: (peer, byName) => host.admitClaimed(this, peer, byName),
        admitProven: (peer) => host.admitProven(this, peer),
      },
      initiator,
      expectedPeer,
    );
    this.outbound = new Outbound(
      {
        writeBatch: (b) => this.writeBatch(b),
        writeData: (b) => this.writeData(b),
        writableLength: () => socket.writableLength,
        fragmentSent: (channel, bytes) => host.fragment(this, channel, 'out', bytes),
      },
      {
        fragmentBytes: c.fragmentBytes,
        highWaterBytes: DEFAULT_SOCKET_HIGH_WATER_BYTES,
        slabBytes: SLAB_BYTES,
        maxMessageBytes: c.maxMessageBytes,
        bulkWindowBytes: BULK_WINDOW_BYTES,
        schedule: atEndOfTurn,
      },
    );
    // until the peer proves the cookie, a frame may be no bigger than what it may send in all
    this.parser = new FrameParser(
      Math.min(c.maxPreauthBytes, c.maxFrameBytes),
      (buf, start, end) => this.onFrame(buf, start, end),
      {
        // fragment bodies go straight into the reassembly buffer: one copy per byte, not two
        target: (kind, n) => {
          if (kind !== Kind.FRAG_NEXT || this.state !== 'up' || this.blackholed) return null;
          const t = this.reassembler.directTarget(n);
          this.directBuf = t?.buf ?? null;
          return t;
        },
        done: (_kind, n) => this.onDirectFragment(n),
      },
    );
    this.reassembler = new Reassembler(c.maxMessageBytes);
    this.delayLine = new DelayLine(c.clock, (batch) => this.writeNow(batch));
    if (expectedPeer !== undefined) this.refreshFaults();
    this.directWrite = directWriter(socket);
    this.sharedReads = readFrom(socket, (chunk, n) => this.onData(chunk, n));
    socket.on('drain', () => this.outbound.flush());
    socket.on('error', (err) => {
      c.logger.debug('socket error', { peer: this.peer, error: err.message });
    });
    socket.on('close', () => {
      if (this.state === 'closed') return;
      if (this.parser.midFrame) {
        host.count('protocol_errors');
        c.logger.warn('connection closed mid-frame (truncated frame)', { peer: this.peer });
      }
      this.fail('connection_closed', 'connection closed');
    });
    this.handshakeTimer = c.clock.setTimeout(() => {
      if (this.state !== 'handshake') return;
      host.count('handshake_timeouts');
      this.fail('timeout', 'handshake timed out');
    }, c.handshakeTimeoutMs);
    this.handshake.start();
  }

  /** the peer's name: claimed until `proven`, or the one we dialed */
  get peer(): NodeName | undefined {
    return this.handshake.peer;
  }
  get peerHidden(): boolean {
    return this.handshake.peerHidden;
  }
  /** `host:port` the peer listens on, as it advertised */
  get peerAddr(): string {
    return this.handshake.peerAddr;
  }
  /** whether the peer proved the cookie */
  get proven(): boolean {
    return this.handshake.proven;
  }
  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  get isUp(): boolean {
    return this.state === 'up';
  }

  refreshFaults(): void {
    if (this.peer === undefined) return;
    const was = this.blackholed;
    this.blackholed = this.host.isBlackholed(this.peer);
    const lat = this.host.latencyOf(this.peer);
    this.latency = lat !== undefined && (lat.delayMs > 0 || lat.jitterMs > 0) ? lat : undefined;
    if (was !== this.blackholed && this.state === 'up') this.faultEdge();
  }

  /**
   * A blackhole drops whole frames, so when one starts or ends a fragmented message may have lost
   * some of its fragments. Both ends discard such a message, as if it were lost: the receiver
   * drops its partial reassembly and the orphaned fragments that follow, the sender drops the
   * rest of the message and, once it can be heard again, tells the peer to discard its part.
   */
  private faultEdge(): void {
    if (this.reassembler.reset()) this.host.count('dropped_partial_messages');
    this.orphanFragments = true;
    if (this.outbound.abandonPartial()) {
      this.host.count('dropped_partial_messages');
      this.abortOwed = true;
    }
    if (!this.blackholed && this.abortOwed) {
      this.abortOwed = false;
      this.sendControl(Kind.FRAG_ABORT);
    }
    // fragments and their acks may have been lost both ways: both ends forget what is in flight
    this.outbound.resetWindow();
    this.fragUnacked = 0;
    if (!this.blackholed) this.sendControl(Kind.FRAG_ACK, controlBody(FRAG_ACK_RESET));
  }

  /** Queues a control frame (never behind data). Returns its size on the wire. */
  sendControl(kind: number, body?: Uint8Array | string): number {
    const frame = encodeFrame(kind, body);
    this.outbound.sendControl(frame);
    this.host.controlSent(this, kind, frame.length);
    return frame.length;
  }

  /**
   * A tick of the heartbeat. On an idle plain-TCP link with nothing queued (the case of every
   * tick of an idle mesh) it is one write of the shared frame, straight to the socket: no frame
   * allocated, no queue, no end-of-turn flush, no stream write. Otherwise it queues as any
   * control frame, behind nothing but other control frames. A tick is never traffic.
   */
  private sendTick(): void {
    if (
      this.directWrite !== null &&
      !this.blackholed &&
      this.latency === undefined &&
      this.outbound.queuedItems === 0 &&
      this.socket.writableLength === 0 &&
      this.directWrite(TICK_FRAME)
    ) {
      this.host.controlSent(this, Kind.TICK, TICK_FRAME.length);
      return;
    }
    this.sendControl(Kind.TICK);
  }

  /** Flushes what is queued, then ends the socket (the peer sees the frames, then EOF). */
  end(): void {
    this.outbound.flush();
    this.delayLine.drain();
    this.stop();
    this.socket.end();
    this.socket.destroySoon();
  }

  /** Closes at once without telling the host. */
  destroy(): void {
    this.stop();
    this.socket.destroy();
  }

  private stop(): void {
    this.state = 'closed';
    this.handshake.dispose();
    this.host.config.clock.clearTimeout(this.handshakeTimer);
    this.heartbeat?.stop();
    this.delayLine.stop();
    this.outbound.close();
  }

  /** Fails the connection: handshake failure before up, link down after. */
  fail(reason: NodeDownReason, detail: string): void {
    if (this.state === 'closed') return;
    const wasUp = this.state === 'up';
    this.destroy();
    if (wasUp) this.host.down(this, reason);
    else this.host.handshakeFailed(this, detail);
  }

  private onData(chunk: Buffer, n: number): void {
    if (this.state === 'closed') return;
    if (n === TICK_FRAME.length && this.isLoneTick(chunk)) {
      // an idle peer's tick, alone in its read: nothing to decode, dispatch or flush
      this.heartbeat!.heard();
      this.host.tickHeard(this);
      return;
    }
    this.heardInChunk = false;
    this.outbound.holdFlushes();
    try {
      this.parser.push(chunk, n);
    } catch (err) {
      this.protocolError(err);
      return;
    } finally {
      this.outbound.releaseFlushes();
    }
    if (this.heardInChunk) this.heartbeat?.heard();
  }

  /** Whether `chunk` is exactly one tick on an up link, read between two frames. */
  private isLoneTick(chunk: Buffer): boolean {
    return (
      chunk[4] === Kind.TICK &&
      chunk[3] === 1 &&
      chunk[2] === 0 &&
      chunk[1] === 0 &&
      chunk[0] === 0 &&
      this.state === 'up' &&
      !this.blackholed &&
      !this.parser.midFrame
    );
  }

  private protocolError(err: unknown): void {
    if (this.state === 'closed') return;
    this.host.count('protocol_errors');
    const message = err instanceof Error ? err.message : String(err);
    this.host.config.logger.warn('protocol error, closing connection', {
      peer: this.peer,
      error: message,
    });
    this.fail('protocol_error', `protocol error: ${message}`);
  }

  private onFrame(buf: Buffer, start: number, end: number): void {
    if (this.state === 'closed') return;
    if (this.blackholed) {
      this.host.count('dropped_blackhole_in');
      return;
    }
    this.heardInChunk = true;
    const kind = buf[start]!;
    try {
      if (this.state === 'handshake') {
        if (!isHandshakeKind(kind))
          throw new ProtocolError(`kind ${kind} before handshake completed`);
        this.preauthBytes += end - start + 4;
        if (this.preauthBytes > this.host.config.maxPreauthBytes)
          throw new ProtocolError(
            `more than ${this.host.config.maxPreauthBytes} bytes before the handshake completed`,
          );
        // a copy: the handshake keeps the bytes for its transcript, and reads may reuse `buf`
        this.onHandshake(this.handshake.push(kind, Buffer.from(buf.subarray(start + 1, end))));
        return;
      }
      if (kind === Kind.FRAG_FIRST || kind === Kind.FRAG_NEXT) {
        this.fragmentConsumed(end - start + 4);
        if (kind === Kind.FRAG_NEXT && this.orphanFragments && !this.reassembler.busy) {
          this.host.count('dropped_orphan_fragments');
          return;
        }
        if (kind === Kind.FRAG_FIRST) {
          this.orphanFragments = false;
          this.fragChannel = innerChannel(buf, start + 5, end);
        }
        this.host.fragment(this, this.fragChannel, 'in', end - start + 4);
        const inner = this.reassembler.push(kind, buf, start + 1, end);
        if (inner !== null) this.messageReassembled(inner);
        return;
      }
      if (kind === Kind.FRAG_ACK) {
        if (end - start !== 5) throw new ProtocolError('bad FRAG_ACK');
        this.host.fragment(this, 'mesh', 'in', 9);
        const n = buf.readUInt32BE(start + 1);
        if (n === FRAG_ACK_RESET) this.outbound.resetWindow();
        else this.outbound.acked(n);
        return;
      }
      if (kind === Kind.FRAG_ABORT) {
        if (this.reassembler.reset()) this.host.count('dropped_partial_messages');
        this.orphanFragments = true;
        return;
      }
      // data frames may come between the fragments of a message (small ones do not wait for a
      // bulk transfer); orphaned fragments of a cut message stay orphans until the next FRAG_FIRST
      if (end - start > this.reassembler.maxFrameBytes)
        throw messageTooLarge(end - start, this.reassembler.maxMessageBytes);
      const r = this.reader.reset(buf, start + 1, end, buf.buffer === this.sharedReads);
      this.host.frame(this, kind, r, end - start + 4);
    } catch (err) {
      // anything the decoders throw means the peer sent what we cannot handle; user handler
      // errors never get here (the node catches them)
      this.protocolError(err);
    }
  }

  /** A FRAG_NEXT whose body the parser copied straight into the reassembly buffer. */
  private onDirectFragment(n: number): void {
    const buf = this.directBuf;
    this.directBuf = null;
    if (this.state === 'closed' || buf === null) return;
    if (this.blackholed) {
      this.host.count('dropped_blackhole_in');
      return;
    }
    this.heardInChunk = true;
    this.orphanFragments = false;
    try {
      this.host.fragment(this, this.fragChannel, 'in', n + 5);
      this.fragmentConsumed(n + 5);
      const inner = this.reassembler.directDone(buf, n);
      if (inner !== null) this.messageReassembled(inner);
    } catch (err) {
      this.protocolError(err);
    }
  }

  /** Counts a fragment heard; acknowledges to the sender a step at a time. */
  private fragmentConsumed(bytes: number): void {
    this.fragUnacked += bytes;
    if (this.fragUnacked >= BULK_ACK_STEP_BYTES) this.ackFragments();
  }

  private ackFragments(): void {
    if (this.fragUnacked === 0) return;
    this.sendControl(Kind.FRAG_ACK, controlBody(this.fragUnacked));
    this.fragUnacked = 0;
  }

  /** A whole message: acknowledge its tail (the window must not shrink by leftovers), deliver. */
  private messageReassembled(inner: Buffer): void {
    this.ackFragments();
    this.host.frame(this, inner[0]!, new BodyReader(inner, 1, inner.length), 0);
  }

  // ---- handshake -------------------------------------------------------------------------

  private onHandshake(step: Step): void {
    if (step.t === 'wait') return;
    if (step.t === 'up') return this.up();
    const log = describeEnd(step);
    if (log.counter !== null) this.host.count(log.counter);
    if (log.level !== null)
      this.host.config.logger[log.level](log.message, { peer: this.peer, ...log.data });
    // a refusal of ours flushes the REJECT first; anything else just closes
    if (step.t === 'refused') this.end();
    else this.destroy();
    this.host.handshakeFailed(
      this,
      step.detail,
      step.t === 'refused' ? step.reason : step.rejectedWith,
    );
  }

  private up(): void {
    const c = this.host.config;
    c.clock.clearTimeout(this.handshakeTimer);
    this.state = 'up';
    this.parser.maxFrameBytes = c.maxFrameBytes;
    this.heartbeat = new Heartbeat(c.ticktimeMs, c.clock, {
      sendTick: () => this.sendTick(),
      timedOut: () => this.fail('timeout', 'ticktime elapsed'),
      takeSentMark: () => {
        const m = this.sentMark;
        this.sentMark = false;
        return m;
      },
    });
    this.heartbeat.start();
    this.host.handshakeDone(this);
  }

  // ---- writes, through the fault filter ----------------------------------------------------

  private writeBatch(batch: Buffer[]): void {
    // a tick alone does not count as traffic, or an idle link would tick every other interval
    const traffic = batch.length > 1 || batch[0]!.length !== 5 || batch[0]![4] !== Kind.TICK;
    if (!this.mayWrite(batch.length, traffic)) return;
    if (this.latency !== undefined) this.delayLine.push(batch, this.latency);
    else this.writeNow(batch);
  }

  /** One buffer of data frames: the batch path without the array. */
  private writeData(buf: Buffer): void {
    if (!this.mayWrite(1, true)) return;
    if (this.latency !== undefined) this.delayLine.push([buf], this.latency);
    else if (!this.socket.destroyed) this.socket.write(buf);
  }

  /** The fault filter: false when `frames` must not leave (closed, or dropped by a blackhole). */
  private mayWrite(frames: number, traffic: boolean): boolean {
    if (this.state === 'closed' && this.socket.destroyed) return false;
    if (this.blackholed) {
      this.host.count('dropped_blackhole_out', frames);
      return false;
    }
    if (traffic) this.sentMark = true;
    return true;
  }

  private writeNow(batch: Buffer[]): void {
    if (this.socket.destroyed) return;
    if (batch.length === 1) {
      this.socket.write(batch[0]!);
      return;
    }
    this.socket.cork();
    for (const b of batch) this.socket.write(b);
    this.socket.uncork();
  }
}
