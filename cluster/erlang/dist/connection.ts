/**
 * One distribution connection over a socket: drives the version-6 handshake in either role, then
 * carries 4-byte frames and ticks with net_ticktime semantics. Knows nothing of processes: whole
 * decoded messages go to `onMessage`, and the node decides what they mean.
 */
import { randomInt } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Channel, Clock, Logger } from '../../api.ts';
import { DFLAG, REQUIRED_FLAGS } from '../constants.ts';
import type { DecodeOptions } from '../etf/decode.ts';
import { Writer } from '../etf/encode.ts';
import { ErlangHandshakeError } from '../errors.ts';
import type { Term, Tuple } from '../terms.ts';
import { OP, decodeFrame, writeFrame, type DistMessage } from './control.ts';
import { PacketParser, frame2 } from './framing.ts';
import {
  encodeChallenge,
  encodeChallengeAck,
  encodeChallengeReply,
  encodeName,
  encodeStatus,
  expandFlags,
  genDigest,
  isNodeName,
  missingFlags,
  parseChallenge,
  parseChallengeAck,
  parseChallengeReply,
  parseName,
  parseStatus,
} from './handshake.ts';

export type DownReason = 'timeout' | 'connection_closed' | 'disconnect' | 'protocol_error' | 'shutdown';

/** What the node lends a connection. */
export interface ConnectionContext {
  readonly name: string;
  readonly cookie: string;
  readonly flags: bigint;
  readonly creation: () => number;
  readonly ticktimeMs: number;
  readonly handshakeTimeoutMs: number;
  readonly maxFrameBytes: number;
  readonly decode: DecodeOptions;
  readonly clock: Clock;
  readonly logger: Logger;
  /** frame accounting for the agent: channel by operation */
  readonly onFrame: (peer: string, channel: Channel, direction: 'in' | 'out', bytes: number) => void;
  /**
   * Acceptor side, after the peer named itself: `ok` to go on, `nok` to refuse because our own
   * attempt wins, `ok_simultaneous` when theirs wins over ours, `alive` when already connected.
   */
  readonly admit: (peer: string) => 'ok' | 'ok_simultaneous' | 'nok' | 'alive';
  /** injected faults: a blackholed peer's frames and handshakes vanish; latency delays writes */
  readonly faultsFor?: (peer: string) => { blackhole: boolean; delayMs: () => number } | undefined;
}

/** The initiator was told `nok`: the peer is connecting to us and that attempt will win. */
export class SimultaneousConnectLost extends Error {}

const HANDSHAKE_MAX_PACKET = 65535;

export class DistConnection {
  peer = '';
  peerFlags = 0n;
  /** the peer takes SEND_SENDER (read per message, so kept as a boolean, not a bigint test) */
  sendSender = false;
  peerCreation = 0;
  state: 'handshake' | 'up' | 'closed' = 'handshake';
  onMessage: (msg: DistMessage) => void = () => {};
  onDown: (reason: DownReason, detail?: string) => void = () => {};

  private readonly parser = new PacketParser(2, HANDSHAKE_MAX_PACKET);
  private waiter: ((p: Buffer | Error) => void) | undefined;
  private readonly out = new Writer(64 * 1024);
  private flushScheduled = false;
  private wrote = false;
  private heard = false;
  private silentTicks = 0;
  private tickTimer: unknown;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: ConnectionContext,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => this.down('connection_closed'));
  }

  // ---- handshake ----

  /** We dialled: send our name, expect status, challenge, then ack. Resolves when up. */
  async initiate(expectedPeer: string): Promise<void> {
    const timer = this.handshakeTimer();
    try {
      const { ctx } = this;
      this.sendHandshake(encodeName({ flags: ctx.flags, creation: ctx.creation(), name: ctx.name }));
      const status = parseStatus(await this.packet());
      if (status === 'alive') this.sendHandshake(encodeStatus('true'));
      else if (status === 'nok') throw new SimultaneousConnectLost(`${expectedPeer} is connecting to us`);
      else if (status !== 'ok' && status !== 'ok_simultaneous')
        throw new ErlangHandshakeError(`${expectedPeer} answered status ${JSON.stringify(status)}`);
      const ch = parseChallenge(await this.packet());
      if (ch.name !== expectedPeer)
        throw new ErlangHandshakeError(`dialled ${expectedPeer} but ${ch.name} answered`);
      this.checkFlags(ch.name, ch.flags);
      this.peer = ch.name;
      this.peerCreation = ch.creation;
      const ours = randomInt(0, 2 ** 32);
      this.sendHandshake(encodeChallengeReply(ours, genDigest(ch.challenge, ctx.cookie)));
      const ack = parseChallengeAck(await this.packet());
      if (!ack.equals(genDigest(ours, ctx.cookie))) {
        ctx.logger.warn('erlang: connection refused: wrong cookie (bad challenge ack)', {
          peer: ch.name,
        });
        throw new ErlangHandshakeError(`${ch.name} has another cookie (invalid challenge ack)`);
      }
      this.up();
    } catch (error) {
      this.abort(error);
      throw error instanceof ErlangHandshakeError || error instanceof SimultaneousConnectLost
        ? error
        : new ErlangHandshakeError(`handshake with ${expectedPeer} failed: ${errorText(error)}`, {
            cause: error,
          });
    } finally {
      this.ctx.clock.clearTimeout(timer);
    }
  }

  /** They dialled: expect their name, answer status and challenge, check their digest, ack. */
  async accept(): Promise<void> {
    const timer = this.handshakeTimer();
    const { ctx } = this;
    try {
      const nm = parseName(await this.packet());
      if (!isNodeName(nm.name)) throw new ErlangHandshakeError(`bad node name ${JSON.stringify(nm.name)}`);
      if ((nm.flags & DFLAG.NAME_ME) !== 0n)
        throw new ErlangHandshakeError('dynamic node names are not supported');
      this.peer = nm.name;
      // A blackholed peer hears nothing back, so its attempt times out as on a cut network.
      while (ctx.faultsFor?.(nm.name)?.blackhole === true) await this.packet();
      const missing = missingFlags(expandFlags(nm.flags), REQUIRED_FLAGS);
      if (missing.length > 0) {
        this.sendHandshake(encodeStatus('not_allowed'));
        throw new ErlangHandshakeError(`${nm.name} cannot handle ${missing.join(', ')}`);
      }
      const verdict = ctx.admit(nm.name);
      this.sendHandshake(encodeStatus(verdict));
      if (verdict === 'nok') throw new SimultaneousConnectLost(`our own connection to ${nm.name} wins`);
      if (verdict === 'alive') {
        const reply = parseStatus(await this.packet());
        if (reply !== 'true') throw new ErlangHandshakeError(`${nm.name} kept its old connection`);
      }
      const ours = randomInt(0, 2 ** 32);
      this.sendHandshake(
        encodeChallenge({ flags: ctx.flags, challenge: ours, creation: ctx.creation(), name: ctx.name }),
      );
      const reply = parseChallengeReply(await this.packet());
      if (!reply.digest.equals(genDigest(ours, ctx.cookie))) {
        ctx.logger.warn('erlang: connection attempt refused: wrong cookie (invalid challenge reply)', {
          peer: nm.name,
        });
        throw new ErlangHandshakeError(`${nm.name} has another cookie (invalid challenge reply)`);
      }
      this.peerFlags = expandFlags(nm.flags) & ctx.flags;
      this.peerCreation = nm.creation;
      this.sendHandshake(encodeChallengeAck(genDigest(reply.challenge, ctx.cookie)));
      this.up();
    } catch (error) {
      this.abort(error);
      throw error instanceof ErlangHandshakeError || error instanceof SimultaneousConnectLost
        ? error
        : new ErlangHandshakeError(`handshake from ${this.peer || 'unknown'} failed: ${errorText(error)}`, {
            cause: error,
          });
    } finally {
      ctx.clock.clearTimeout(timer);
    }
  }

  private checkFlags(peer: string, flags: bigint): void {
    const expanded = expandFlags(flags);
    const missing = missingFlags(expanded, REQUIRED_FLAGS);
    if (missing.length > 0) throw new ErlangHandshakeError(`${peer} cannot handle ${missing.join(', ')}`);
    this.peerFlags = expanded & this.ctx.flags;
  }

  private handshakeTimer(): unknown {
    return this.ctx.clock.setTimeout(() => {
      this.waiter?.(new ErlangHandshakeError(`handshake not done in ${this.ctx.handshakeTimeoutMs} ms`));
      this.waiter = undefined;
    }, this.ctx.handshakeTimeoutMs);
  }

  private sendHandshake(body: Buffer): void {
    const bytes = frame2(body);
    this.ctx.onFrame(this.peer, 'handshake', 'out', bytes.length);
    this.socket.write(bytes);
  }

  private packet(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.state === 'closed') return reject(new Error('connection closed during handshake'));
      this.waiter = (p) => (p instanceof Error ? reject(p) : resolve(p));
      this.pump();
    });
  }

  private abort(error: unknown): void {
    this.ctx.logger.debug('erlang: handshake failed', { peer: this.peer, error: errorText(error) });
    this.state = 'closed';
    this.socket.destroy();
  }

  private up(): void {
    this.state = 'up';
    this.sendSender = (this.peerFlags & DFLAG.SEND_SENDER) !== 0n;
    this.parser.switchTo(4, this.ctx.maxFrameBytes);
    const interval = Math.max(1, Math.floor(this.ctx.ticktimeMs / 4));
    this.tickTimer = this.ctx.clock.setInterval(() => this.tick(), interval);
    // Frames may have arrived behind the last handshake packet.
    queueMicrotask(() => this.pump());
  }

  // ---- after the handshake ----

  /** Queues one frame; frames queued in one turn of the event loop leave in one write. */
  send(control: Tuple, payload?: Term, channel: Channel = 'send'): void {
    if (this.state !== 'up') return;
    if (this.ctx.faultsFor?.(this.peer)?.blackhole === true) return;
    const bytes = writeFrame(this.out, control, payload);
    this.ctx.onFrame(this.peer, channel, 'out', bytes);
    this.wrote = true;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.out.pos === 0 || this.state !== 'up') return;
    const bytes = this.out.take();
    const delay = this.ctx.faultsFor?.(this.peer)?.delayMs() ?? 0;
    if (delay <= 0 && this.delayedUntil <= this.ctx.clock.monotonic()) return void this.socket.write(bytes);
    // Later writes never overtake earlier ones, whatever the jitter.
    const due = Math.max(this.delayedUntil, this.ctx.clock.monotonic() + delay);
    this.delayedUntil = due;
    this.ctx.clock.setTimeout(() => {
      if (this.state === 'up') this.socket.write(bytes);
    }, due - this.ctx.clock.monotonic());
  }
  private delayedUntil = 0;

  /** Every ticktime/4: tick if we sent nothing; down if we heard nothing for 4 intervals. */
  private tick(): void {
    if (this.state !== 'up') return;
    if (this.heard) this.silentTicks = 0;
    else if (++this.silentTicks >= 4) {
      this.ctx.logger.warn('erlang: node not responding, removing connection', { peer: this.peer });
      return this.close('timeout');
    }
    this.heard = false;
    if (!this.wrote && this.ctx.faultsFor?.(this.peer)?.blackhole !== true) {
      this.ctx.onFrame(this.peer, 'tick', 'out', 4);
      this.socket.write(TICK);
    }
    this.wrote = false;
  }

  private onData(chunk: Buffer): void {
    this.parser.push(chunk);
    this.pump();
  }

  private pump(): void {
    try {
      if (this.state === 'handshake') {
        if (this.waiter === undefined) return;
        const p = this.parser.next();
        if (p === undefined) return;
        const w = this.waiter;
        this.waiter = undefined;
        w(p);
        return;
      }
      while (this.state === 'up') {
        const body = this.parser.next();
        if (body === undefined) return;
        if (this.ctx.faultsFor?.(this.peer)?.blackhole === true) continue;
        this.heard = true;
        if (body.length === 0) {
          this.ctx.onFrame(this.peer, 'tick', 'in', 4);
          continue;
        }
        const msg = decodeFrame(body, this.ctx.decode);
        this.ctx.onFrame(this.peer, channelOf(msg.op), 'in', body.length + 4);
        this.onMessage(msg);
      }
    } catch (error) {
      if (this.state === 'handshake') {
        const w = this.waiter;
        this.waiter = undefined;
        w?.(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      // Bad bytes from one peer close that link only, with the reason logged.
      this.ctx.logger.warn('erlang: closing connection after a malformed frame', {
        peer: this.peer,
        error: errorText(error),
      });
      this.close('protocol_error', errorText(error));
    }
  }

  close(reason: DownReason, detail?: string): void {
    if (this.state === 'closed') return;
    if (this.state === 'up') this.flush();
    this.down(reason, detail);
    this.socket.destroy();
  }

  private down(reason: DownReason, detail?: string): void {
    const was = this.state;
    this.state = 'closed';
    if (this.tickTimer !== undefined) this.ctx.clock.clearInterval(this.tickTimer);
    this.waiter?.(new Error('connection closed during handshake'));
    this.waiter = undefined;
    if (was === 'up') this.onDown(reason, detail);
  }
}

const TICK = Buffer.alloc(4);

function channelOf(op: number): Channel {
  switch (op) {
    case OP.SEND:
    case OP.SEND_SENDER:
    case OP.REG_SEND:
    case OP.SEND_TT:
    case OP.SEND_SENDER_TT:
    case OP.REG_SEND_TT:
    case OP.ALIAS_SEND:
      return 'send';
    case OP.SPAWN_REQUEST:
    case OP.SPAWN_REQUEST_TT:
    case OP.SPAWN_REPLY:
    case OP.SPAWN_REPLY_TT:
      return 'rpc';
    default:
      return 'monitor';
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
