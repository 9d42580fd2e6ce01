/**
 * Puts one peer's numbered messages back in order. The PostgreSQL adapter sends small messages
 * in a NOTIFY and large ones through a table row that the receiver fetches, and publishes on a
 * pool of connections, so message 7 may arrive before message 6. A message ahead of a gap waits
 * up to `waitMs` (monotonic) for the gap to fill; then the gap is skipped (that message was lost:
 * the next snapshot of each node, a second later, supersedes it).
 */
export class Reorder<T> {
  private next: number | undefined;
  private readonly pending = new Map<number, { item: T; since: number }>();

  constructor(private readonly waitMs: number) {}

  /** Takes message `seq`; returns the messages now deliverable, in order. */
  push(seq: number, item: T, monotonic: number): T[] {
    this.next ??= seq;
    if (seq < this.next || this.pending.has(seq)) return [];
    this.pending.set(seq, { item, since: monotonic });
    return this.expire(monotonic);
  }

  /** Returns what is deliverable now, skipping gaps older than `waitMs`. */
  expire(monotonic: number): T[] {
    const out: T[] = [];
    for (;;) {
      this.drain(out);
      if (this.pending.size === 0) return out;
      const oldest = Math.min(...this.pending.keys());
      if (monotonic - this.pending.get(oldest)!.since < this.waitMs) return out;
      this.next = oldest;
    }
  }

  /** Messages waiting behind a gap. */
  get waiting(): number {
    return this.pending.size;
  }

  private drain(out: T[]): void {
    for (;;) {
      const entry = this.pending.get(this.next!);
      if (entry === undefined) return;
      this.pending.delete(this.next!);
      out.push(entry.item);
      this.next! += 1;
    }
  }
}
