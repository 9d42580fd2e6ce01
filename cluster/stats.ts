/** Counters of a node. Hot ones are plain fields (no map lookup per message). */
export class Stats {
  sent = 0;
  received = 0;
  dropped_unknown_name = 0;
  dropped_noconnection = 0;
  handler_errors = 0;
  private readonly other = new Map<string, number>();

  add(name: string, n: number): void {
    this.other.set(name, (this.other.get(name) ?? 0) + n);
  }

  snapshot(): Record<string, number> {
    const out: Record<string, number> = {
      sent: this.sent,
      received: this.received,
      dropped_unknown_name: this.dropped_unknown_name,
      dropped_noconnection: this.dropped_noconnection,
      handler_errors: this.handler_errors,
      protocol_errors: 0,
      handshake_failures: 0,
      handshake_arbitrations: 0,
      handshake_timeouts: 0,
      dropped_blackhole_in: 0,
      dropped_blackhole_out: 0,
    };
    for (const [k, v] of this.other) out[k] = v;
    return out;
  }
}
