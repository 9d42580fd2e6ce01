import type { Clock, LatencyFault, Logger, NodeDownReason, NodeName } from './api.ts';
import { DEFAULT_SOCKET_HIGH_WATER_BYTES, PROTOCOL_VERSION, SLAB_BYTES } from './constants.ts';
import { ProtocolError } from './errors.ts';
import * as hs from './handshake.ts';
import { Heartbeat } from './heartbeat.ts';
import { Outbound } from './outbound.ts';
import { readFrom, type Socket } from './transport.ts';
import { encodeFrame } from './wire/encoder.ts';
import { Reassembler } from './wire/fragments.ts';
import { FrameParser } from './wire/framing.ts';
import { Kind, channelOf, isHandshakeKind } from './wire/kinds.ts';
import { BodyReader, NameCache } from './wire/reader.ts';

const RESOLVED = Promise.resolve();

/**
 * Runs `fn` as a microtask, at the end of the current turn. Node's `queueMicrotask` makes an
 * async resource per call (a measurable share of an RPC round trip, at one flush per frame sent
 * alone); a reaction on a resolved promise is the bare V8 microtask. `flush` does not throw.
 */
function atEndOfTurn(fn: () => void): void {
  void RESOLVED.then(fn);
}

export interface ConnectionConfig {
  readonly name: NodeName;
  readonly hidden: boolean;
  /** `host:port` we listen on; set once the listener is bound */
  addr: string;
  readonly cookie: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly ticktimeMs: number;
  readonly maxFrameBytes: number;
  readonly maxMessageBytes: number;
  readonly fragmentBytes: number;
  readonly handshakeTimeoutMs: number;
}

/** What a connection asks of its node. */
export interface ConnectionHost {
  readonly config: ConnectionConfig;
  /** acceptor: may this peer connect? null = yes */
  admitHello(conn: Connection, hello: hs.Hello): hs.RejectReason | null;
  /** initiator: the acceptor named itself; 'already' = a link to it is up, stop quietly */
  admitChallenge(conn: Connection, peer: NodeName): hs.RejectReason | 'already' | null;
  handshakeDone(conn: Connection): void;
  handshakeFailed(conn: Connection, reason: string, rejectedWith?: hs.RejectReason): void;
  /**
   * A post-handshake frame: `r` reads the body; `bytes` is its wire size, or 0 for a message
   * reassembled from fragments (already reported fragment by fragment).
   */
  frame(conn: Connection, kind: number, r: BodyReader, bytes: number): void;
  down(conn: Connection, reason: NodeDownReason): void;
  isBlackholed(peer: NodeName): boolean;
  latencyOf(peer: NodeName): LatencyFault | undefined;
  count(stat: string, n?: number): void;
  /** a control frame was queued (for instrumentation) */
  controlSent(conn: Connection, kind: number, bytes: number): void;
  /** one fragment of a message on `channel` crossed the link (for instrumentation) */
  fragment(conn: Connection, channel: string, direction: 'in' | 'out', bytes: number): void;
}

type State = 'handshake' | 'up' | 'closed';

/**
 * One socket to one peer: framing, the handshake (both roles), the send scheduler, the
 * heartbeat and the fault filter. Post-handshake frames go to the host.
 */
export class Connection {
  peer: NodeName | undefined;
  peerHidden = false;
  peerAddr = '';
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
  private myChallenge = '';
  private sentMark = false;
  private heardInChunk = false;
  /** after a fault edge: FRAG_NEXT frames of a message cut by the fault are lost frames, dropped */
  private orphanFragments = false;
  /** a fragmented message we were sending was cut by a blackhole: tell the peer once healed */
  private abortOwed = false;
  /** reassembly buffer a fragment body is being copied into by the parser */
  private directBuf: Buffer | null = null;
  /** channel of the fragmented message being received */
  private fragChannel = '';
  private delayed: { due: number; batch: Buffer[] }[] = [];
  private delayTimer: unknown = null;
  private lastDue = 0;

  constructor(
    private readonly host: ConnectionHost,
    readonly socket: Socket,
    readonly initiator: boolean,
    /** initiator: the name we expect, if the target named it */
    readonly expectedPeer?: NodeName,
  ) {
    const c = host.config;
    this.peer = expectedPeer;
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
        schedule: atEndOfTurn,
      },
    );
    this.parser = new FrameParser(
      c.maxFrameBytes,
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
    if (expectedPeer !== undefined) this.refreshFaults();
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
    if (initiator) {
      const hello: hs.Hello = { v: PROTOCOL_VERSION, name: c.name, hidden: c.hidden, addr: c.addr };
      this.sendControl(Kind.HELLO, JSON.stringify(hello));
    }
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
  }

  /** Queues a control frame (never behind data). Returns its size on the wire. */
  sendControl(kind: number, body?: Uint8Array | string): number {
    const frame = encodeFrame(kind, body);
    this.outbound.sendControl(frame);
    this.host.controlSent(this, kind, frame.length);
    return frame.length;
  }

  /** Flushes what is queued, then ends the socket (the peer sees the frames, then EOF). */
  end(): void {
    this.outbound.flush();
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
    this.host.config.clock.clearTimeout(this.handshakeTimer);
    this.heartbeat?.stop();
    if (this.delayTimer !== null) this.host.config.clock.clearTimeout(this.delayTimer);
    this.delayTimer = null;
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
        this.onHandshake(kind, new BodyReader(buf, start + 1, end));
        return;
      }
      if (kind === Kind.FRAG_FIRST || kind === Kind.FRAG_NEXT) {
        if (kind === Kind.FRAG_NEXT && this.orphanFragments && !this.reassembler.busy) {
          this.host.count('dropped_orphan_fragments');
          return;
        }
        this.orphanFragments = false;
        if (kind === Kind.FRAG_FIRST) this.fragChannel = innerChannel(buf, start + 5, end);
        this.host.fragment(this, this.fragChannel, 'in', end - start + 4);
        const inner = this.reassembler.push(kind, buf, start + 1, end);
        if (inner !== null)
          this.host.frame(this, inner[0]!, new BodyReader(inner, 1, inner.length), 0);
        return;
      }
      if (kind === Kind.FRAG_ABORT) {
        if (this.reassembler.reset()) this.host.count('dropped_partial_messages');
        this.orphanFragments = true;
        return;
      }
      if (this.reassembler.busy) throw new ProtocolError('data frame inside a fragmented message');
      this.orphanFragments = false;
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
      const inner = this.reassembler.directDone(buf, n);
      if (inner !== null)
        this.host.frame(this, inner[0]!, new BodyReader(inner, 1, inner.length), 0);
    } catch (err) {
      this.protocolError(err);
    }
  }

  // ---- handshake -------------------------------------------------------------------------

  private onHandshake(kind: number, r: BodyReader): void {
    const c = this.host.config;
    if (kind === Kind.REJECT) {
      const { reason, name } = hs.parseReject(r.json());
      // A connect by address learns whom it reached: linked already (duplicate) or about to be
      // through the other side's connection (simultaneous) both mean connected (true).
      if (reason === 'duplicate' || reason === 'simultaneous') this.peer ??= name;
      c.logger.warn('handshake rejected by peer', { peer: this.peer, reason });
      this.destroy();
      this.host.handshakeFailed(this, `rejected: ${reason}`, reason);
      return;
    }
    if (!this.initiator && kind === Kind.HELLO && this.myChallenge === '') {
      const hello = hs.parseHello(r.json());
      this.peer = hello.name;
      this.refreshFaults();
      if (this.blackholed) return; // a blackhole swallows handshakes too
      const reason = hello.v !== PROTOCOL_VERSION ? 'version' : this.host.admitHello(this, hello);
      if (reason !== null) return this.reject(reason, `refused ${hello.name}: ${reason}`);
      this.peerHidden = hello.hidden;
      this.peerAddr = hello.addr;
      this.myChallenge = hs.newChallenge();
      const ch: hs.Challenge = {
        v: PROTOCOL_VERSION,
        name: c.name,
        hidden: c.hidden,
        addr: c.addr,
        challenge: this.myChallenge,
      };
      this.sendControl(Kind.CHALLENGE, JSON.stringify(ch));
      return;
    }
    if (this.initiator && kind === Kind.CHALLENGE && this.myChallenge === '') {
      const ch = hs.parseChallenge(r.json());
      if (this.expectedPeer !== undefined && ch.name !== this.expectedPeer)
        return this.reject('bad_name', `expected ${this.expectedPeer}, peer is ${ch.name}`);
      this.peer = ch.name;
      this.refreshFaults();
      if (this.blackholed) return;
      if (ch.v !== PROTOCOL_VERSION) return this.reject('version', `peer speaks protocol ${ch.v}`);
      const verdict = this.host.admitChallenge(this, ch.name);
      if (verdict === 'already') {
        this.destroy();
        this.host.handshakeFailed(this, 'already connected');
        return;
      }
      if (verdict !== null) return this.reject(verdict, `refused ${ch.name}: ${verdict}`);
      this.peerHidden = ch.hidden;
      this.peerAddr = ch.addr;
      this.myChallenge = hs.newChallenge();
      const reply: hs.ChallengeReply = {
        challenge: this.myChallenge,
        digest: hs.digest(c.cookie, 'I', ch.challenge),
      };
      this.sendControl(Kind.CHALLENGE_REPLY, JSON.stringify(reply));
      return;
    }
    if (!this.initiator && kind === Kind.CHALLENGE_REPLY && this.myChallenge !== '') {
      const reply = hs.parseReply(r.json());
      if (!hs.verifyDigest(c.cookie, 'I', this.myChallenge, reply.digest))
        return this.reject('bad_cookie', `${this.peer} failed the cookie challenge`);
      // re-check: another connection to the same peer may have come up meanwhile
      const again = this.host.admitHello(this, {
        v: PROTOCOL_VERSION,
        name: this.peer!,
        hidden: this.peerHidden,
        addr: this.peerAddr,
      });
      if (again !== null) return this.reject(again, `refused ${this.peer}: ${again}`);
      const ack: hs.ChallengeAck = { digest: hs.digest(c.cookie, 'A', reply.challenge) };
      this.sendControl(Kind.CHALLENGE_ACK, JSON.stringify(ack));
      this.up();
      return;
    }
    if (this.initiator && kind === Kind.CHALLENGE_ACK && this.myChallenge !== '') {
      const ack = hs.parseAck(r.json());
      if (!hs.verifyDigest(c.cookie, 'A', this.myChallenge, ack.digest)) {
        c.logger.warn('handshake failed: peer does not know the cookie', { peer: this.peer });
        this.host.count('handshake_failures');
        this.destroy();
        this.host.handshakeFailed(this, 'bad_cookie', 'bad_cookie');
        return;
      }
      this.up();
      return;
    }
    throw new ProtocolError(`unexpected handshake message ${kind}`);
  }

  private reject(reason: hs.RejectReason, detail: string): void {
    const c = this.host.config;
    if (reason !== 'simultaneous' && reason !== 'duplicate') this.host.count('handshake_failures');
    c.logger[reason === 'simultaneous' ? 'debug' : 'warn']('handshake refused', {
      peer: this.peer,
      reason,
      detail,
    });
    const rejection: hs.Reject = { reason, name: c.name };
    this.sendControl(Kind.REJECT, JSON.stringify(rejection));
    this.end();
    this.host.handshakeFailed(this, detail, reason);
  }

  private up(): void {
    const c = this.host.config;
    c.clock.clearTimeout(this.handshakeTimer);
    this.state = 'up';
    this.heartbeat = new Heartbeat(c.ticktimeMs, c.clock, {
      sendTick: () => this.sendControl(Kind.TICK),
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
    if (this.latency !== undefined) this.delay(batch, this.latency);
    else this.writeNow(batch);
  }

  /** One buffer of data frames: the batch path without the array. */
  private writeData(buf: Buffer): void {
    if (!this.mayWrite(1, true)) return;
    if (this.latency !== undefined) this.delay([buf], this.latency);
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

  /** Added latency keeps per-link order: a batch never leaves before the one queued before it. */
  private delay(batch: Buffer[], lat: LatencyFault): void {
    const clock = this.host.config.clock;
    const now = clock.monotonic();
    const due = Math.max(now + lat.delayMs + Math.random() * lat.jitterMs, this.lastDue);
    this.lastDue = due;
    this.delayed.push({ due, batch });
    if (this.delayTimer === null) this.armDelay();
  }

  private armDelay(): void {
    const clock = this.host.config.clock;
    const head = this.delayed[0];
    if (head === undefined) return;
    this.delayTimer = clock.setTimeout(
      () => {
        this.delayTimer = null;
        const now = clock.monotonic();
        while (this.delayed.length > 0 && this.delayed[0]!.due <= now)
          this.writeNow(this.delayed.shift()!.batch);
        this.armDelay();
      },
      Math.max(0, head.due - now()),
    );
    function now(): number {
      return clock.monotonic();
    }
  }
}

/**
 * The instrumentation channel of a fragmented message, read from its first fragment: a SEND's
 * own channel (u8 name, u8 channel after the kind) when it fits, else the kind's channel.
 */
function innerChannel(buf: Buffer, at: number, end: number): string {
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
