/** Fakes for this folder's tests (not part of the agent's public API). */
import type {
  FaultControl,
  FrameEvent,
  LatencyFault,
  LinkStateEvent,
  MembershipEvent,
  NodeName,
  RpcCallEvent,
} from '../../cluster/api.ts';
import { silentLogger } from '../../cluster/index.ts';
import type { DiscoveryEvent } from '../../cluster/discovery/index.ts';
import { Hooks } from '../../cluster/instrumentation.ts';
import type { UrgentEvent } from '../../protocol/agent.ts';
import type { CommandAck } from '../../protocol/control.ts';
import type { Snapshot } from '../../protocol/telemetry.ts';
import type { AgentNode } from '../agent.ts';
import type { DiscoverySource } from '../discovery.ts';
import type { ProcessStatsSource } from '../process-stats.ts';
import type { AgentTransport, TransportHandlers } from '../stream.ts';

/** The runtime's one fake clock, re-exported for this folder's tests. */
export { FakeClock } from '../../cluster/index.ts';

/** Records what the executor did to the link layer. */
export class FakeFaults implements FaultControl {
  readonly holes = new Set<NodeName>();
  readonly latency = new Map<NodeName, LatencyFault>();
  readonly calls: string[] = [];
  failOn: NodeName | undefined;
  blackhole(peer: NodeName): void {
    if (peer === this.failOn) throw new Error(`cannot blackhole ${peer}`);
    this.calls.push(`blackhole ${peer}`);
    this.holes.add(peer);
  }
  unblackhole(peer: NodeName): void {
    this.calls.push(`unblackhole ${peer}`);
    this.holes.delete(peer);
  }
  setLatency(peer: NodeName, fault: LatencyFault | null): void {
    this.calls.push(`latency ${peer} ${fault === null ? 'null' : fault.delayMs}`);
    if (fault === null) this.latency.delete(peer);
    else this.latency.set(peer, fault);
  }
  list(): { blackholed: NodeName[]; latency: Record<NodeName, LatencyFault> } {
    return { blackholed: [...this.holes], latency: Object.fromEntries(this.latency) };
  }
  clear(): void {
    this.calls.push('clear');
    this.holes.clear();
    this.latency.clear();
  }
}

/** A node with just the surface the agent uses; tests push events through `emit*`. */
export class FakeNode implements AgentNode {
  readonly address = { host: '127.0.0.1', port: 9101 };
  readonly faults = new FakeFaults();
  visible: NodeName[] = [];
  hiddenPeers: NodeName[] = [];
  private membership = new Set<(e: MembershipEvent) => void>();

  constructor(
    readonly name = 'a@127.0.0.1',
    readonly hidden = false,
  ) {}

  /** the runtime's own hooks, so frame runs are coalesced as in a real node */
  readonly instrumentation = new Hooks(silentLogger);
  nodes(options?: { hidden?: boolean }): NodeName[] {
    return options?.hidden === true ? [...this.visible, ...this.hiddenPeers] : [...this.visible];
  }
  monitorNodes(listener: (e: MembershipEvent) => void): () => void {
    return add(this.membership, listener);
  }
  emitFrame(e: FrameEvent): void {
    this.instrumentation.emitFrame(e.peer, e.channel, e.direction, e.bytes);
  }
  emitLink(e: LinkStateEvent): void {
    this.instrumentation.emitLink(e);
  }
  emitRpc(e: RpcCallEvent): void {
    this.instrumentation.emitRpc(e);
  }
  emitMembership(e: MembershipEvent): void {
    for (const l of this.membership) l(e);
  }
  /** hooks and membership listeners still attached (0 once an agent has detached) */
  get listeners(): number {
    const h = this.instrumentation;
    return Number(h.hasFrame) + Number(h.hasLink) + Number(h.hasRpc) + this.membership.size;
  }
}

function add<T>(set: Set<T>, listener: T): () => void {
  set.add(listener);
  return () => set.delete(listener);
}

/** A transport driven by the test: it decides when to connect and how to answer. */
export class FakeTransport implements AgentTransport {
  handlers: TransportHandlers | undefined;
  readonly sent: { batch: Snapshot[]; done: (result: unknown) => void }[] = [];
  readonly urgent: UrgentEvent[] = [];
  closed = false;

  open(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }
  send(batch: Snapshot[], _timeoutMs: number, done: (result: unknown) => void): void {
    this.sent.push({ batch, done });
  }
  sendUrgent(event: UrgentEvent): void {
    this.urgent.push(event);
  }
  close(): void {
    this.closed = true;
  }
  connect(ackedSeq: number | null = null): void {
    this.handlers!.onConnect();
    this.handlers!.onWelcome({ ackedSeq, serverTime: 0 });
  }
  disconnect(): void {
    this.handlers!.onDisconnect('transport close');
  }
  /** Acks the oldest unanswered batch up to its last seq. */
  ackNext(): Snapshot[] {
    const next = this.sent.shift();
    if (next === undefined) throw new Error('nothing in flight');
    next.done({ ok: true, ackedSeq: next.batch[next.batch.length - 1]!.seq });
    return next.batch;
  }
  command(command: unknown): CommandAck {
    let ack: CommandAck | undefined;
    this.handlers!.onCommand(command, (a) => (ack = a));
    if (ack === undefined) throw new Error('no synchronous ack');
    return ack;
  }
}

export const fixedProcessStats: ProcessStatsSource = {
  read: () => ({ rssBytes: 50_000_000, heapUsedBytes: 10_000_000, eventLoopDelayP99Ms: 1.5 }),
  close: () => undefined,
};

/** A valid snapshot with nothing in it, for buffer and stream tests. */
export function emptySnapshot(seq: number, node = 'a@127.0.0.1', bootId = 'boot'): Snapshot {
  return {
    node,
    bootId,
    seq,
    t: 1_700_000_000 + seq,
    intervalMs: 1000,
    frames: [],
    links: [],
    view: { nodes: [], hidden: [] },
    rpc: { count: 0, errors: 0, sketch: '' },
    faults: [],
    events: [],
    process: { rssBytes: 0, heapUsedBytes: 0, eventLoopDelayP99Ms: 0 },
    agent: { droppedSnapshots: 0, bufferedSnapshots: 0, droppedEvents: 0, overflowFrames: 0 },
  };
}

/** A discovery driven by the test: `emit` reports an event as a strategy would. */
export class FakeDiscovery implements DiscoverySource {
  readonly strategy: { name: string };
  readonly history: DiscoveryEvent[] = [];
  counters: Record<string, number> = {};
  failStats = false;
  private readonly listeners = new Set<(event: DiscoveryEvent) => void>();

  constructor(name = 'static') {
    this.strategy = { name };
  }
  onEvent(listener: (event: DiscoveryEvent) => void): () => void {
    return add(this.listeners, listener);
  }
  recentEvents(): DiscoveryEvent[] {
    return [...this.history];
  }
  stats(): Record<string, number> {
    if (this.failStats) throw new Error('stats broke');
    return { ...this.counters };
  }
  emit(event: DiscoveryEvent): void {
    this.history.push(event);
    for (const l of this.listeners) l(event);
  }
  get listenerCount(): number {
    return this.listeners.size;
  }
}
