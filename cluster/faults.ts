import type { FaultControl, LatencyFault, NodeName } from './api.ts';
import { BadArgumentError } from './errors.ts';

/** Fault state of a node; `onChange(peer)` lets the node refresh that peer's connections. */
export class Faults implements FaultControl {
  private readonly holes = new Set<NodeName>();
  private readonly latency = new Map<NodeName, LatencyFault>();

  constructor(private readonly onChange: (peer: NodeName | undefined) => void) {}

  isBlackholed(peer: NodeName): boolean {
    return this.holes.has(peer);
  }
  latencyOf(peer: NodeName): LatencyFault | undefined {
    return this.latency.get(peer);
  }

  blackhole(peer: NodeName): void {
    this.holes.add(peer);
    this.onChange(peer);
  }
  unblackhole(peer: NodeName): void {
    this.holes.delete(peer);
    this.onChange(peer);
  }
  setLatency(peer: NodeName, fault: LatencyFault | null): void {
    if (fault === null) this.latency.delete(peer);
    else {
      if (!(
        fault.delayMs >= 0 &&
        fault.jitterMs >= 0 &&
        Number.isFinite(fault.delayMs + fault.jitterMs)
      ))
        throw new BadArgumentError('latency delayMs and jitterMs must be finite and ≥ 0');
      this.latency.set(peer, { delayMs: fault.delayMs, jitterMs: fault.jitterMs });
    }
    this.onChange(peer);
  }
  list(): { blackholed: NodeName[]; latency: Record<NodeName, LatencyFault> } {
    return { blackholed: [...this.holes], latency: Object.fromEntries(this.latency) };
  }
  clear(): void {
    this.holes.clear();
    this.latency.clear();
    this.onChange(undefined);
  }
}
