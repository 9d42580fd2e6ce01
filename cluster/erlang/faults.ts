/**
 * Fault injection for Erlang links, the same `FaultControl` the native runtime offers the agent:
 * a blackhole drops a peer's frames and handshakes silently (no close), so the link times out
 * after a ticktime as on a cut network; latency delays what we write to the peer.
 */
import type { FaultControl, LatencyFault, NodeName } from '../api.ts';

export class ErlangFaults implements FaultControl {
  private readonly blackholed = new Set<NodeName>();
  private readonly latency = new Map<NodeName, LatencyFault>();

  blackhole(peer: NodeName): void {
    this.blackholed.add(peer);
  }
  unblackhole(peer: NodeName): void {
    this.blackholed.delete(peer);
  }
  setLatency(peer: NodeName, fault: LatencyFault | null): void {
    if (fault === null) this.latency.delete(peer);
    else this.latency.set(peer, fault);
  }
  list(): { blackholed: NodeName[]; latency: Record<NodeName, LatencyFault> } {
    return { blackholed: [...this.blackholed], latency: Object.fromEntries(this.latency) };
  }
  clear(): void {
    this.blackholed.clear();
    this.latency.clear();
  }

  isBlackholed(peer: NodeName): boolean {
    return this.blackholed.size > 0 && this.blackholed.has(peer);
  }

  /** What a connection asks per frame; `undefined` (one size check) when no fault is set. */
  readonly forPeer = (
    peer: NodeName,
  ): { blackhole: boolean; delayMs: () => number } | undefined => {
    if (this.blackholed.size === 0 && this.latency.size === 0) return undefined;
    const l = this.latency.get(peer);
    return {
      blackhole: this.blackholed.has(peer),
      delayMs: () => (l === undefined ? 0 : l.delayMs + Math.random() * l.jitterMs),
    };
  };
}
