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
 * in that interval need not); a link that has heard nothing for a whole ticktime is down, at
 * ticktime (plus timer lateness), not at the next quarter-tick. Hearing a frame costs one clock
 * read per socket chunk and no timer work.
 *
 * The timers are not the link's own: every heartbeat of one ticktime on one clock belongs to one
 * {@link Ticker}, which ticks all idle links in one pass, as Erlang's `net_kernel` ticker does.
 * A timer per link woke a node with 99 links ~100 times a second at staggered phases, and every
 * peer reading those ticks as often (issue #20).
 */
export class Heartbeat {
  /** @internal for the ticker */
  lastHeard: number;
  private ticker: Ticker | undefined;

  constructor(
    /** @internal for the ticker */
    readonly ticktimeMs: number,
    private readonly clock: Clock,
    /** @internal for the ticker */
    readonly port: HeartbeatPort,
  ) {
    this.lastHeard = clock.monotonic();
  }

  start(): void {
    this.lastHeard = this.clock.monotonic();
    this.ticker = Ticker.of(this.clock, this.ticktimeMs);
    this.ticker.add(this);
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
    this.ticker?.remove(this);
    this.ticker = undefined;
  }
}

const tickers = new WeakMap<Clock, Map<number, Ticker>>();

/**
 * The one timer behind every heartbeat of one ticktime on one clock. Its passes fall on
 * wall-clock multiples of ticktime/4 (the phase only: every delay is measured on the monotonic
 * clock and is at most ticktime/4), so the nodes of one host tick together and each of them reads
 * its peers' ticks as one burst in one wake-up. Between passes it wakes only for the earliest
 * silence deadline, recomputed lazily from what each link last heard.
 */
export class Ticker {
  private readonly links = new Set<Heartbeat>();
  private timer: unknown = null;
  /** monotonic time of the next tick pass */
  private nextPass = 0;
  private readonly intervalMs: number;

  private constructor(
    private readonly clock: Clock,
    private readonly ticktimeMs: number,
  ) {
    this.intervalMs = ticktimeMs / 4;
  }

  /** The ticker of `ticktimeMs` on `clock`, made on first use. */
  static of(clock: Clock, ticktimeMs: number): Ticker {
    let byTicktime = tickers.get(clock);
    if (byTicktime === undefined) {
      byTicktime = new Map();
      tickers.set(clock, byTicktime);
    }
    let ticker = byTicktime.get(ticktimeMs);
    if (ticker === undefined) {
      ticker = new Ticker(clock, ticktimeMs);
      byTicktime.set(ticktimeMs, ticker);
    }
    return ticker;
  }

  /** number of links it serves */
  get size(): number {
    return this.links.size;
  }

  add(link: Heartbeat): void {
    this.links.add(link);
    if (this.links.size === 1) {
      this.nextPass = this.alignedPass();
      this.arm();
    } else {
      this.arm();
    }
  }

  remove(link: Heartbeat): void {
    if (!this.links.delete(link) || this.links.size > 0) return;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Monotonic time of the next wall-clock multiple of the interval. */
  private alignedPass(): number {
    const wall = this.clock.now();
    const toBoundary =
      this.intervalMs - (((wall % this.intervalMs) + this.intervalMs) % this.intervalMs);
    return this.clock.monotonic() + (toBoundary === 0 ? this.intervalMs : toBoundary);
  }

  /** (Re-)arms the one timer for the earlier of the next pass and the earliest deadline. */
  private arm(): void {
    let due = this.nextPass;
    for (const link of this.links) {
      const deadline = link.lastHeard + this.ticktimeMs;
      if (deadline < due) due = deadline;
    }
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.schedule(due);
  }

  private schedule(due: number): void {
    this.timer = this.clock.setTimeout(() => this.run(), Math.max(0, due - this.clock.monotonic()));
  }

  /**
   * One pass over the links: down the silent ones, tick the idle ones on a pass, and find the
   * earliest deadline in the same loop (a second loop over 99 links, run cold once per
   * quarter-tick, was a measurable share of an idle node's JavaScript).
   */
  private run(): void {
    this.timer = null;
    const now = this.clock.monotonic();
    const pass = now >= this.nextPass;
    if (pass) this.nextPass = this.alignedPass();
    let due = this.nextPass;
    for (const link of this.links) {
      if (now - link.lastHeard >= this.ticktimeMs) {
        this.links.delete(link);
        link.port.timedOut();
        continue;
      }
      if (pass && !link.port.takeSentMark()) link.port.sendTick();
      const deadline = link.lastHeard + this.ticktimeMs;
      if (deadline < due) due = deadline;
    }
    // a link added by a callback above re-armed the timer itself (add): keep the earlier
    if (this.links.size === 0) return;
    if (this.timer !== null) {
      this.arm();
      return;
    }
    this.schedule(due);
  }
}
