import type { Clock, LatencyFault } from './api.ts';

/**
 * Added latency on one link (a fault the observatory injects): batches leave after the delay
 * plus jitter, and never before a batch queued ahead of them, so per-link order is kept.
 */
export class DelayLine {
  private queued: { due: number; batch: Buffer[] }[] = [];
  private timer: unknown = null;
  private lastDue = 0;

  constructor(
    private readonly clock: Clock,
    private readonly write: (batch: Buffer[]) => void,
  ) {}

  push(batch: Buffer[], lat: LatencyFault): void {
    const due = Math.max(
      this.clock.monotonic() + lat.delayMs + Math.random() * lat.jitterMs,
      this.lastDue,
    );
    this.lastDue = due;
    this.queued.push({ due, batch });
    if (this.timer === null) this.arm();
  }

  /** Writes what is queued at once (the connection is ending: its last frames must leave). */
  drain(): void {
    this.stop();
    for (const q of this.queued.splice(0)) this.write(q.batch);
  }

  /** Drops what is queued (the connection is closing). */
  stop(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    const head = this.queued[0];
    if (head === undefined) return;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = null;
        const now = this.clock.monotonic();
        while (this.queued.length > 0 && this.queued[0]!.due <= now)
          this.write(this.queued.shift()!.batch);
        this.arm();
      },
      Math.max(0, head.due - this.clock.monotonic()),
    );
  }
}
