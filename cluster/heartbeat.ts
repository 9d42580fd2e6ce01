import type { Clock } from './api.ts';

/** The three things a heartbeat needs from its link. */
export interface HeartbeatPort {
  /** queue a tick frame (a control frame, never behind data) */
  sendTick(): void;
  /** the link heard nothing for a whole ticktime */
  timedOut(): void;
  /** whether anything was sent since the last call (resets the mark) */
  takeSentMark(): boolean;
}

/**
 * net_ticktime semantics: every ticktime/4 an idle link sends a tick (a link that sent anything
 * in that interval need not); a link that has heard nothing for a whole ticktime is down. The
 * silence deadline is a single timer re-armed lazily from the last time something was heard, so
 * detection happens at ticktime (plus timer lateness), not at the next quarter-tick, and hearing
 * a frame costs one clock read per socket chunk and no timer work.
 */
export class Heartbeat {
  private lastHeard: number;
  private tickTimer: unknown = null;
  private deadline: unknown = null;
  private stopped = false;

  constructor(
    private readonly ticktimeMs: number,
    private readonly clock: Clock,
    private readonly port: HeartbeatPort,
  ) {
    this.lastHeard = clock.monotonic();
  }

  start(): void {
    this.lastHeard = this.clock.monotonic();
    this.tickTimer = this.clock.setInterval(() => this.onTick(), this.ticktimeMs / 4);
    this.arm(this.ticktimeMs);
  }

  /** Call whenever bytes from the peer were accepted. */
  heard(): void {
    this.lastHeard = this.clock.monotonic();
  }

  /** ms since something was last heard */
  silenceMs(): number {
    return this.clock.monotonic() - this.lastHeard;
  }

  stop(): void {
    this.stopped = true;
    if (this.tickTimer !== null) this.clock.clearInterval(this.tickTimer);
    if (this.deadline !== null) this.clock.clearTimeout(this.deadline);
    this.tickTimer = this.deadline = null;
  }

  private onTick(): void {
    if (!this.port.takeSentMark()) this.port.sendTick();
  }

  private arm(ms: number): void {
    this.deadline = this.clock.setTimeout(() => this.check(), ms);
  }

  private check(): void {
    this.deadline = null;
    if (this.stopped) return;
    const silent = this.clock.monotonic() - this.lastHeard;
    if (silent >= this.ticktimeMs) {
      this.stop();
      this.port.timedOut();
    } else {
      this.arm(this.ticktimeMs - silent);
    }
  }
}
