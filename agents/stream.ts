import type { Clock, Logger } from '../cluster/api.ts';
import type { SnapshotAck, UrgentEvent } from '../protocol/agent.ts';
import {
  MAX_SNAPSHOT_BATCH,
  MAX_SNAPSHOT_BATCH_BYTES,
  snapshotAckSchema,
  welcomeSchema,
} from '../protocol/agent.ts';
import type { CommandAck } from '../protocol/control.ts';
import type { Snapshot } from '../protocol/telemetry.ts';
import type { SnapshotBuffer } from './buffer.ts';
import {
  DEFAULT_RESEND_DELAY_MS,
  DEFAULT_SNAPSHOT_ACK_TIMEOUT_MS,
  DEFAULT_WELCOME_TIMEOUT_MS,
} from './defaults.ts';

/** What the transport reports to the streamer. */
export interface TransportHandlers {
  onConnect(): void;
  onDisconnect(reason: string): void;
  onWelcome(welcome: unknown): void;
  onCommand(command: unknown, reply: (ack: CommandAck) => void): void;
}

/**
 * The narrow port between the streaming logic and socket.io, so the logic is tested with a fake.
 * `send` calls `done` exactly once: with the server's answer, or with an Error (timeout,
 * disconnect).
 */
export interface AgentTransport {
  open(handlers: TransportHandlers): void;
  send(batch: Snapshot[], timeoutMs: number, done: (result: unknown) => void): void;
  /** fire and forget; dropped when not connected (the next snapshot carries the event anyway) */
  sendUrgent?(event: UrgentEvent): void;
  close(): void;
}

export interface StreamerOptions {
  readonly transport: AgentTransport;
  readonly buffer: SnapshotBuffer;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** called for each command from the server */
  readonly onCommand: (command: unknown, reply: (ack: CommandAck) => void) => void;
  /** called when the connection comes or goes */
  readonly onConnectionChange?: (connected: boolean) => void;
  /** @default DEFAULT_SNAPSHOT_ACK_TIMEOUT_MS (agents/defaults.ts) */
  readonly ackTimeoutMs?: number;
  /** @default DEFAULT_WELCOME_TIMEOUT_MS (agents/defaults.ts) */
  readonly welcomeTimeoutMs?: number;
  /**
   * pause before resending after an error answer
   * @default DEFAULT_RESEND_DELAY_MS (agents/defaults.ts)
   */
  readonly retryDelayMs?: number;
  readonly maxBatch?: number;
  readonly maxBatchBytes?: number;
}

/**
 * Delivers buffered snapshots in order, one batch in flight, and forgets them only when the
 * server acknowledges them. After a reconnect it waits for `welcome` (which says what the server
 * already has) before sending, so a restarted server gets the rest without gaps or repeats.
 */
export class Streamer {
  private connected = false;
  private ready = false;
  private inFlight = false;
  /** bumps on every (dis)connect so late answers from an old connection are ignored */
  private generation = 0;
  private welcomeTimer: unknown;
  private retryTimer: unknown;
  private closed = false;
  private rejected = 0;

  constructor(private readonly options: StreamerOptions) {}

  start(): void {
    this.options.transport.open({
      onConnect: () => this.handleConnect(),
      onDisconnect: (reason) => this.handleDisconnect(reason),
      onWelcome: (welcome) => this.handleWelcome(welcome),
      onCommand: (command, reply) => this.options.onCommand(command, reply),
    });
  }

  /** Queues a snapshot and sends it as soon as the connection allows. */
  enqueue(snapshot: Snapshot): void {
    this.options.buffer.push(snapshot);
    this.pump();
  }

  /**
   * Sends a membership or fault event at once, only while welcomed: an urgent event must not
   * wait in a socket buffer and arrive after the snapshots that already carry it.
   */
  sendUrgent(event: UrgentEvent): void {
    if (!this.connected || !this.ready || this.closed) return;
    this.options.transport.sendUrgent?.(event);
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** snapshots the server refused as invalid (dropped so they do not block the rest) */
  get rejectedSnapshots(): number {
    return this.rejected;
  }

  close(): void {
    this.closed = true;
    this.clearTimers();
    this.options.transport.close();
  }

  private handleConnect(): void {
    this.generation++;
    this.connected = true;
    this.ready = false;
    this.inFlight = false;
    this.clearTimers();
    this.welcomeTimer = this.options.clock.setTimeout(() => {
      this.options.logger?.warn('no welcome from the observatory; sending anyway');
      this.ready = true;
      this.pump();
    }, this.options.welcomeTimeoutMs ?? DEFAULT_WELCOME_TIMEOUT_MS);
    this.options.onConnectionChange?.(true);
  }

  private handleDisconnect(reason: string): void {
    this.generation++;
    const was = this.connected;
    this.connected = false;
    this.ready = false;
    this.inFlight = false;
    this.clearTimers();
    this.options.logger?.info('observatory disconnected', { reason });
    if (was) this.options.onConnectionChange?.(false);
  }

  private handleWelcome(raw: unknown): void {
    const welcome = welcomeSchema.safeParse(raw);
    if (!welcome.success) {
      this.options.logger?.warn('bad welcome from the observatory', {
        error: welcome.error.message,
      });
    } else if (welcome.data.ackedSeq !== null) {
      this.options.buffer.ackThrough(welcome.data.ackedSeq);
    }
    if (this.welcomeTimer !== undefined) this.options.clock.clearTimeout(this.welcomeTimer);
    this.welcomeTimer = undefined;
    this.ready = true;
    this.pump();
  }

  private pump(): void {
    if (!this.connected || !this.ready || this.inFlight || this.closed) return;
    if (this.retryTimer !== undefined) return;
    const batch = this.options.buffer.peekBatch(
      this.options.maxBatch ?? MAX_SNAPSHOT_BATCH,
      this.options.maxBatchBytes ?? MAX_SNAPSHOT_BATCH_BYTES,
    );
    if (batch.length === 0) return;
    this.inFlight = true;
    const generation = this.generation;
    this.options.transport.send(
      batch,
      this.options.ackTimeoutMs ?? DEFAULT_SNAPSHOT_ACK_TIMEOUT_MS,
      (result) => {
        if (generation !== this.generation || this.closed) return;
        this.inFlight = false;
        this.handleAnswer(batch, result);
      },
    );
  }

  private handleAnswer(batch: Snapshot[], result: unknown): void {
    if (result instanceof Error) {
      this.options.logger?.warn('snapshot batch not acknowledged', { error: result.message });
      this.retryLater();
      return;
    }
    const parsed = snapshotAckSchema.safeParse(result);
    if (!parsed.success) {
      this.options.logger?.warn('bad snapshot ack', { error: parsed.error.message });
      this.retryLater();
      return;
    }
    const ack: SnapshotAck = parsed.data;
    if (ack.ackedSeq !== null) this.options.buffer.ackThrough(ack.ackedSeq);
    if (!ack.ok) {
      this.options.logger?.warn('observatory refused snapshots', { ...ack.error });
      if (ack.error.code === 'invalid') {
        // Resending the same bytes would be refused forever; drop them so later data flows.
        const last = batch[batch.length - 1]!.seq;
        this.rejected += this.options.buffer.ackThrough(last);
        this.pump();
      } else {
        this.retryLater();
      }
      return;
    }
    if (ack.ackedSeq < batch[0]!.seq) {
      // The server stored nothing of this batch; do not spin resending it.
      this.retryLater();
      return;
    }
    this.pump();
  }

  private retryLater(): void {
    if (this.retryTimer !== undefined || this.closed) return;
    this.retryTimer = this.options.clock.setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, this.options.retryDelayMs ?? DEFAULT_RESEND_DELAY_MS);
  }

  private clearTimers(): void {
    if (this.welcomeTimer !== undefined) this.options.clock.clearTimeout(this.welcomeTimer);
    if (this.retryTimer !== undefined) this.options.clock.clearTimeout(this.retryTimer);
    this.welcomeTimer = undefined;
    this.retryTimer = undefined;
  }
}
