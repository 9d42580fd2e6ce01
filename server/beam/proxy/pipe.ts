/**
 * One proxied distribution connection: the initiator's socket (accepted on the destination's
 * proxy port) and the socket to the destination node. Bytes pass through unchanged, in order;
 * the scanners only watch them. A cut pair stops reading both sockets (TCP back-pressure holds
 * what is in flight, as a dead cable's retransmission queue would), leaving both connections
 * open, so each node notices only by its tick timeout; a delayed direction releases its bytes
 * after the delay, in order.
 */
import { connect, type Socket } from 'node:net';
import { DistScanner, handshakeName, type HandshakeRole } from './dist-scanner.ts';
import type { LinkDelay, ProxyFaults } from './faults.ts';
import { DEFAULT_LATENCY_QUEUE_BYTES, MAX_HANDSHAKE_PACKET_BYTES } from './constants.ts';

export interface PipeLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
}

/** Where a direction's messages are counted. */
export type RecordMessage = (
  from: string,
  to: string,
  channel: string,
  bytes: number,
  frames: number,
) => void;

export interface PipeEnv {
  readonly faults: ProxyFaults;
  readonly record: RecordMessage;
  readonly logger: PipeLogger;
  /** the destination's registered (short) name, as EPMD knows it */
  readonly alive: string;
  /** the destination's full name when a handshake told it already */
  readonly knownName: () => string | undefined;
  /** learns a full name from a handshake */
  readonly learnName: (alive: string, full: string) => void;
  readonly upstream: { readonly host: string; readonly port: () => number | undefined };
  readonly latencyQueueBytes?: number;
  readonly random?: () => number;
}

class Direction {
  readonly scanner: DistScanner;
  private pending: Buffer[] = [];
  private queue: { chunk: Buffer; at: number }[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastRelease = 0;
  private waitingDrain = false;
  ended = false;

  constructor(
    private readonly pipe: Pipe,
    readonly src: () => Socket | undefined,
    readonly dst: () => Socket | undefined,
    role: HandshakeRole,
  ) {
    this.scanner = new DistScanner(role, {
      handshake: (body) => pipe.handshake(this, role, body),
      message: (channel, bytes, frames) => pipe.count(this, channel, bytes, frames),
      tick: () => pipe.count(this, 'tick', 4, 1),
      garbage: (reason) => pipe.env.logger.debug('beam proxy: not distribution bytes', { reason }),
    });
  }

  get from(): string {
    return this === this.pipe.up ? this.pipe.initiator : this.pipe.acceptor;
  }
  get to(): string {
    return this === this.pipe.up ? this.pipe.acceptor : this.pipe.initiator;
  }

  data(chunk: Buffer): void {
    if (this.pipe.blocked() || this.pending.length > 0) {
      this.pending.push(chunk);
      this.src()?.pause();
      return;
    }
    this.pass(chunk);
  }

  private pass(chunk: Buffer): void {
    const delay = this.pipe.delayOf(this);
    if (delay !== undefined || this.queue.length > 0) {
      const jitter = delay === undefined ? 0 : (this.pipe.random() * 2 - 1) * delay.jitterMs;
      const at = Math.max(performance.now() + (delay?.delayMs ?? 0) + jitter, this.lastRelease);
      this.lastRelease = at;
      this.queue.push({ chunk, at });
      this.queued += chunk.length;
      if (this.queued > this.pipe.latencyQueueBytes) this.src()?.pause();
      this.schedule();
      return;
    }
    this.write(chunk);
  }

  private write(chunk: Buffer): void {
    const dst = this.dst();
    if (dst === undefined || dst.destroyed) return;
    this.scanner.push(chunk);
    if (!dst.write(chunk) && !this.waitingDrain) {
      this.waitingDrain = true;
      this.src()?.pause();
      dst.once('drain', () => {
        this.waitingDrain = false;
        this.resume();
      });
    }
  }

  private schedule(): void {
    if (this.timer !== undefined || this.queue.length === 0 || this.pipe.blocked()) return;
    const wait = Math.max(0, this.queue[0]!.at - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.release();
    }, wait);
  }

  private release(): void {
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0]!.at <= now && !this.pipe.blocked()) {
      const { chunk } = this.queue.shift()!;
      this.queued -= chunk.length;
      this.write(chunk);
    }
    this.schedule();
    this.resume();
    this.finish();
  }

  /** Re-reads the faults: passes what waited, resumes reading. */
  resume(): void {
    if (this.pipe.blocked()) return;
    const pending = this.pending;
    this.pending = [];
    for (const chunk of pending) this.pass(chunk);
    this.schedule();
    if (!this.waitingDrain && this.queued <= this.pipe.latencyQueueBytes / 2) this.src()?.resume();
    this.finish();
  }

  /** The source ended: end the destination once everything before the end went through. */
  finish(): void {
    if (!this.ended || this.pipe.blocked() || this.pending.length > 0 || this.queue.length > 0) {
      return;
    }
    const dst = this.dst();
    if (dst !== undefined && !dst.destroyed && !dst.writableEnded) dst.end();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.pending = [];
  }
}

export class Pipe {
  readonly up: Direction;
  readonly down: Direction;
  /** the connecting node's full name, once its send_name arrived */
  initiator = '';
  acceptor: string;
  private upstream: Socket | undefined;
  private hello: Buffer[] = [];
  private connecting = false;
  private closed = false;
  /** a socket failed while the pair was cut: the other end learns it when the cut ends */
  private failedWhileCut = false;
  readonly latencyQueueBytes: number;
  readonly random: () => number;
  private readonly unsubscribe: () => void;

  constructor(
    readonly client: Socket,
    readonly env: PipeEnv,
    private readonly onClose: (pipe: Pipe) => void,
  ) {
    this.acceptor = env.knownName() ?? env.alive;
    this.latencyQueueBytes = env.latencyQueueBytes ?? DEFAULT_LATENCY_QUEUE_BYTES;
    this.random = env.random ?? Math.random;
    client.setNoDelay(true);
    this.up = new Direction(
      this,
      () => client,
      () => this.upstream,
      'initiator',
    );
    this.down = new Direction(
      this,
      () => this.upstream,
      () => client,
      'acceptor',
    );
    this.unsubscribe = env.faults.onChange(() => this.reconsider());
    client.on('data', (chunk: Buffer) => {
      if (this.initiator === '') this.greet(chunk);
      else if (this.upstream === undefined || this.connecting) this.held(chunk);
      else this.up.data(chunk);
    });
    client.on('end', () => {
      // Nothing reached the destination yet: the dial is over, as a SYN lost on a cut cable.
      if (this.upstream === undefined || this.connecting) return this.destroy();
      this.up.ended = true;
      this.up.finish();
    });
    client.on('error', () => undefined);
    client.on('close', (hadError) => this.socketClosed(hadError));
  }

  /** Bytes before the connection to the destination: wait for the initiator's name. */
  private greet(chunk: Buffer): void {
    this.hello.push(chunk);
    const all = Buffer.concat(this.hello);
    this.hello = [all];
    if (all.length >= 2 && all.readUInt16BE(0) > MAX_HANDSHAKE_PACKET_BYTES) {
      this.env.logger.debug('beam proxy: refused a connection that is not distribution');
      this.destroy();
      return;
    }
    if (all.length < 2 || all.length < 2 + all.readUInt16BE(0)) return;
    const name = handshakeName(all.subarray(2, 2 + all.readUInt16BE(0)), 'initiator');
    if (name === undefined || !name.includes('@')) {
      this.env.logger.debug('beam proxy: first handshake message carries no node name');
      this.destroy();
      return;
    }
    this.initiator = name;
    if (!this.acceptor.includes('@')) this.acceptor = `${this.env.alive}@${name.split('@')[1]!}`;
    this.client.pause();
    this.reconsider();
  }

  /**
   * Bytes after the first packet while the destination is not connected. A dialing node sends
   * nothing more until the destination answers its name, so a little is plenty.
   */
  private held(chunk: Buffer): void {
    this.hello.push(chunk);
    const bytes = this.hello.reduce((n, b) => n + b.length, 0);
    if (bytes > 2 * (2 + MAX_HANDSHAKE_PACKET_BYTES)) {
      this.env.logger.debug('beam proxy: a dialing node sent too much before an answer');
      this.destroy();
    }
  }

  private connectUpstream(): void {
    const port = this.env.upstream.port();
    if (port === undefined) {
      this.destroy();
      return;
    }
    this.connecting = true;
    const s = connect({ host: this.env.upstream.host, port, allowHalfOpen: true, noDelay: true });
    this.upstream = s;
    s.on('connect', () => {
      // Nagle would hold a frame's tail for the peer's delayed ACK: the nodes themselves use nodelay.
      s.setNoDelay(true);
      this.connecting = false;
      const hello = this.hello;
      this.hello = [];
      s.on('data', (chunk: Buffer) => this.down.data(chunk));
      for (const chunk of hello) this.up.data(chunk);
      this.reconsider();
    });
    s.on('end', () => {
      this.down.ended = true;
      this.down.finish();
    });
    s.on('error', () => undefined);
    s.on('close', (hadError) => this.socketClosed(hadError));
  }

  /** After a fault change or a name learnt: connect, hold or release. */
  private reconsider(): void {
    if (this.closed || this.initiator === '') return;
    if (this.blocked()) {
      if (this.upstream === undefined) {
        // Not dialled yet: keep reading (held() bounds it) so that an initiator giving up
        // during the cut is seen now, and its handshake is never replayed to the destination
        // at the heal: a stale pending connection there would refuse the initiator's next one.
        this.client.resume();
        return;
      }
      this.client.pause();
      this.upstream.pause();
      return;
    }
    if (this.failedWhileCut) {
      this.destroy();
      return;
    }
    if (this.upstream === undefined) {
      this.connectUpstream();
      return;
    }
    if (this.connecting) return;
    this.up.resume();
    this.down.resume();
  }

  blocked(): boolean {
    return this.initiator !== '' && this.env.faults.cut(this.initiator, this.acceptor);
  }

  delayOf(d: Direction): LinkDelay | undefined {
    return this.env.faults.delay(d.from, d.to);
  }

  handshake(d: Direction, role: HandshakeRole, body: Buffer): void {
    if (role === 'acceptor' && (body[0] === 0x4e || body[0] === 0x6e)) {
      const name = handshakeName(body, 'acceptor');
      if (name !== undefined && name.includes('@')) {
        this.env.learnName(this.env.alive, name);
        if (name !== this.acceptor) {
          this.acceptor = name;
          this.reconsider();
        }
      }
    }
    this.count(d, 'handshake', 2 + body.length, 1);
    if (role === 'acceptor' && body[0] === 0x61 /* 'a': challenge_ack */) this.verified();
  }

  count(d: Direction, channel: string, bytes: number, frames: number): void {
    if (this.initiator === '') return;
    if (this.unverified === undefined) {
      this.env.record(d.from, d.to, channel, bytes, frames);
      return;
    }
    // Until the destination accepted the handshake (which checks the cookie), the initiator's
    // name is only a claim: nothing is recorded under it, so made-up names cost nothing.
    this.unverified.push({ d, channel, bytes, frames });
  }

  /** counts held until the destination's challenge ack; undefined once it came */
  private unverified:
    { d: Direction; channel: string; bytes: number; frames: number }[] | undefined = [];

  private verified(): void {
    const held = this.unverified ?? [];
    this.unverified = undefined;
    for (const c of held) this.count(c.d, c.channel, c.bytes, c.frames);
  }

  private socketClosed(hadError: boolean): void {
    if (this.closed) return;
    const clientGone = this.client.destroyed;
    const upstreamGone = this.upstream === undefined || this.upstream.destroyed;
    if (clientGone && upstreamGone) return this.destroy();
    if (!hadError) return; // a graceful end travels on through the other socket ('end', finish)
    // A reset: the other end learns it at once, unless the pair is cut, where it learns it
    // when the cable is back.
    if (this.blocked()) this.failedWhileCut = true;
    else this.destroy();
  }

  /** Closes both sockets now, whatever is in flight. */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.up.stop();
    this.down.stop();
    this.client.destroy();
    this.upstream?.destroy();
    this.onClose(this);
  }
}
