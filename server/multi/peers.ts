/**
 * Several observatory servers, one live picture. Each agent reports to one server (whichever the
 * load balancer gave it); that server validates, dedupes and stores its snapshots as always, and
 * also sends every change it makes to its live model (agent connected or gone, snapshot applied,
 * urgent event, timeline events) to the other servers as an ordered journal; they replay it on
 * their own live model. So every server's model holds every node, a dashboard on any server sees
 * all of them live, and each snapshot is stored once, by the server its agent talks to.
 *
 * Why a journal of model changes rather than reading the shared store: the store is written in
 * batches and rolled up, while the live model needs urgent events within milliseconds; and why
 * rather than relaying `/ui` pushes: each server's pushes are coalesced from its own model, and
 * a dashboard must get one consistent model, not two servers' halves.
 *
 * Control: a command for a node whose agent is held by another server is forwarded to it (see
 * {@link ServerPeers.agent}); the receiving server has already authorised and audited it.
 */
import type { AgentHello } from '../../protocol/agent.ts';
import type { CommandAck, ControlCommandInput } from '../../protocol/control.ts';
import type { ModelEvent } from '../../protocol/model.ts';
import type { Clock } from '../clock.ts';
import type { AgentConnection } from '../ingest/ports.ts';
import type { EventFeed } from '../model/event-feed.ts';
import type { LiveModel } from '../model/live-model.ts';
import type { TrafficWindow } from '../model/traffic-window.ts';
import {
  PEER_FLUSH_MS,
  PEER_HEARTBEAT_MS,
  PEER_REORDER_WAIT_MS,
  PEER_TIMEOUT_MS,
} from './constants.ts';
import { forwardCommand, runForwardedCommand } from './forward.ts';
import {
  journalBatchSchema,
  type CommandRequest,
  type CommandResponse,
  type JournalBatch,
  type JournalEntry,
  type PeerHello,
} from './messages.ts';
import { Reorder } from './reorder.ts';

export { MAX_FORWARDED_COMMAND_MS } from './forward.ts';

/** How servers reach each other (the adapter's server-side emits; an in-memory pair in tests). */
export interface PeerBus {
  /** to every other server, no answer */
  publish(batch: JournalBatch): void;
  /** to every other server; resolves with the answers that arrived within `timeoutMs` */
  request(request: CommandRequest, timeoutMs: number): Promise<unknown[]>;
  onJournal(handler: (raw: unknown) => void): void;
  onCommand(handler: (raw: unknown, reply: (answer: CommandResponse) => void) => void): void;
}

/** What of the live model ingest drives (server/ingest/ingest.ts), mirrored to peers. */
export type MirroredModel = Pick<
  LiveModel,
  'agentConnected' | 'agentDisconnected' | 'applySnapshot' | 'applyUrgent' | 'read'
>;
export type MirroredTraffic = Pick<TrafficWindow, 'add' | 'drop'>;

/** The local agents, as ingest holds them. */
export interface LocalAgents {
  agent(node: string): AgentConnection | undefined;
  agents(): AgentConnection[];
}

export interface ServerPeersOptions {
  /** this server's id (its boot id): unique per server process */
  readonly id: string;
  readonly bus: PeerBus;
  readonly model: LiveModel;
  readonly traffic: TrafficWindow;
  readonly events: EventFeed;
  readonly clock: Clock;
  readonly log?: (line: string) => void;
  /** @default PEER_HEARTBEAT_MS */
  readonly heartbeatMs?: number;
  /** @default PEER_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** @default PEER_FLUSH_MS */
  readonly flushMs?: number;
  /** @default PEER_REORDER_WAIT_MS */
  readonly reorderWaitMs?: number;
}

interface Peer {
  lastHeard: number;
  readonly reorder: Reorder<JournalBatch>;
  /** the agents this peer holds, by node */
  readonly agents: Map<string, PeerHello>;
}

const withoutToken = (hello: AgentHello): PeerHello => {
  const { token: _secret, ...rest } = hello;
  return rest;
};
// The live model keeps no credential; a peer's agent proved its own to that peer.
const asHello = (hello: PeerHello): AgentHello => ({ ...hello, token: 'held-by-peer' });

export class ServerPeers {
  /** the model ingest writes to: the real one, with every change also journalled to peers */
  readonly model: MirroredModel;
  readonly traffic: MirroredTraffic;
  private readonly peers = new Map<string, Peer>();
  /** which server holds each node's agent (this one's id for local agents) */
  private readonly owner = new Map<string, string>();
  private readonly localHellos = new Map<string, PeerHello>();
  private local: LocalAgents = { agent: () => undefined, agents: () => [] };
  private queue: JournalEntry[] = [];
  private seq = 0;
  private flushTimer: unknown;
  private readonly stopTimers: (() => void)[] = [];
  private closed = false;
  /** journal batches refused on arrival (validation), for metrics */
  rejected = 0;

  constructor(private readonly options: ServerPeersOptions) {
    const { model, traffic, id } = options;
    this.model = {
      read: () => model.read(),
      agentConnected: (hello, at) => {
        this.owner.set(hello.node, id);
        const peerHello = withoutToken(hello);
        this.localHellos.set(hello.node, peerHello);
        this.send({ k: 'connected', hello: peerHello });
        return model.agentConnected(hello, at);
      },
      agentDisconnected: (node, bootId, at) => {
        // a newer session of the node (same name) may already be connected here
        if (this.local.agent(node) === undefined && this.owner.get(node) === id) {
          this.owner.delete(node);
          this.localHellos.delete(node);
        }
        this.send({ k: 'disconnected', node, bootId });
        return model.agentDisconnected(node, bootId, at);
      },
      applySnapshot: (s, at) => {
        const applied = model.applySnapshot(s, at);
        if (applied) this.send({ k: 'snapshot', s });
        return applied;
      },
      applyUrgent: (node, bootId, event, faults) => {
        const applied = model.applyUrgent(node, bootId, event, faults);
        if (applied)
          this.send({ k: 'urgent', node, bootId, event, ...(faults && { faults: [...faults] }) });
        return applied;
      },
    };
    this.traffic = {
      add: (s) => traffic.add(s),
      drop: (node) => {
        traffic.drop(node);
        this.send({ k: 'drop', node });
      },
    };
  }

  /** Hands over ingest's local agents (created after the mirrored model it is given). */
  setLocal(local: LocalAgents): void {
    this.local = local;
  }

  /** Listens to peers and starts the heartbeat. */
  start(): void {
    const { bus, events, clock } = this.options;
    bus.onJournal((raw) => this.receive(raw));
    bus.onCommand((raw, reply) => this.execute(raw, reply));
    const offEvents = events.subscribe((list, origin) => {
      if (origin === 'local') this.send({ k: 'events', events: [...list] });
    });
    const heartbeat = clock.setInterval(() => this.heartbeat(), this.heartbeatMs);
    this.stopTimers.push(offEvents, () => clock.clearInterval(heartbeat));
    this.heartbeat();
  }

  /** Agents connected to the other servers (not counting nodes whose agent is also here). */
  remoteAgentCount(): number {
    return this.agents().length - this.local.agents().length;
  }

  /** The servers heard within the timeout, this one excluded. */
  peerCount(): number {
    return this.peers.size;
  }

  /**
   * A node's agent: the local one, or a handle on a peer's. A peer's command is sent to every
   * server with the target's id; the target runs it on its agent and answers with the agent's
   * ack, the others answer "not mine". No other server re-checks the admin token or writes an
   * audit row: the server that received the HTTP request did both.
   */
  agent(node: string): AgentConnection | undefined {
    const local = this.local.agent(node);
    if (local !== undefined) return local;
    const server = this.owner.get(node);
    const hello = server === undefined ? undefined : this.peers.get(server)?.agents.get(node);
    return hello === undefined ? undefined : this.remoteConnection(server!, hello);
  }

  /** Every agent: local ones, then those held by peers. */
  agents(): AgentConnection[] {
    const local = this.local.agents();
    const names = new Set(local.map((a) => a.node));
    const remote: AgentConnection[] = [];
    for (const [server, peer] of this.peers) {
      for (const hello of peer.agents.values()) {
        if (names.has(hello.node) || this.owner.get(hello.node) !== server) continue;
        remote.push(this.remoteConnection(server, hello));
      }
    }
    return [...local, ...remote];
  }

  /** Tells peers this server is leaving (they drop its agents at once) and stops. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.send({ k: 'bye' });
    this.flush();
    this.closed = true;
    for (const stop of this.stopTimers) stop();
    if (this.flushTimer !== undefined) this.options.clock.clearTimeout(this.flushTimer);
  }

  private get heartbeatMs() {
    return this.options.heartbeatMs ?? PEER_HEARTBEAT_MS;
  }

  private remoteConnection(server: string, hello: PeerHello): AgentConnection {
    return {
      node: hello.node,
      bootId: hello.bootId,
      hidden: hello.hidden,
      capabilities: hello.capabilities,
      command: (command, timeoutMs) => this.forward(server, hello, command, timeoutMs),
    };
  }

  private forward(
    server: string,
    hello: PeerHello,
    command: ControlCommandInput,
    timeoutMs: number,
  ): Promise<CommandAck> {
    return forwardCommand(this.options.bus, this.options.id, server, hello, command, timeoutMs);
  }

  private execute(raw: unknown, reply: (answer: CommandResponse) => void): void {
    runForwardedCommand(this.options.id, raw, this.local, reply, this.options.log);
  }

  private send(entry: JournalEntry): void {
    if (this.closed) return;
    this.queue.push(entry);
    this.flushTimer ??= this.options.clock.setTimeout(
      () => this.flush(),
      this.options.flushMs ?? PEER_FLUSH_MS,
    );
  }

  private flush(): void {
    if (this.flushTimer !== undefined) this.options.clock.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.queue.length === 0 || this.closed) return;
    const entries = this.queue;
    this.queue = [];
    this.seq += 1;
    this.options.bus.publish({ server: this.options.id, seq: this.seq, entries });
  }

  private heartbeat(): void {
    this.send({ k: 'agents', agents: [...this.localHellos.values()] });
    this.flush();
    const now = this.options.clock.monotonic();
    const timeoutMs = this.options.timeoutMs ?? PEER_TIMEOUT_MS;
    for (const [server, peer] of this.peers) {
      for (const batch of peer.reorder.expire(now)) this.apply(batch);
      if (now - peer.lastHeard > timeoutMs) this.forget(server, 'not heard from');
    }
  }

  private receive(raw: unknown): void {
    const parsed = journalBatchSchema.safeParse(raw);
    if (!parsed.success) {
      this.rejected += 1;
      this.options.log?.(`peers: refused a journal message: ${parsed.error.issues[0]?.message}`);
      return;
    }
    const batch = parsed.data;
    if (batch.server === this.options.id) return;
    const now = this.options.clock.monotonic();
    let peer = this.peers.get(batch.server);
    if (peer === undefined) {
      peer = {
        lastHeard: now,
        reorder: new Reorder(this.options.reorderWaitMs ?? PEER_REORDER_WAIT_MS),
        agents: new Map(),
      };
      this.peers.set(batch.server, peer);
      this.options.log?.(`peers: observatory server ${batch.server} joined`);
    }
    peer.lastHeard = now;
    for (const ready of peer.reorder.push(batch.seq, batch, now)) this.apply(ready);
  }

  private apply(batch: JournalBatch): void {
    const server = batch.server;
    const peer = this.peers.get(server);
    if (peer === undefined) return;
    const { model, traffic, events, clock } = this.options;
    const owns = (node: string) => this.owner.get(node) === server;
    const adopt = (hello: PeerHello) => {
      peer.agents.set(hello.node, hello);
      // a node whose agent is connected here stays ours
      if (this.local.agent(hello.node) !== undefined) return;
      this.owner.set(hello.node, server);
      model.agentConnected(asHello(hello), clock.now());
    };
    for (const entry of batch.entries) {
      switch (entry.k) {
        case 'connected':
          adopt(entry.hello);
          break;
        case 'disconnected':
          if (peer.agents.get(entry.node)?.bootId === entry.bootId) peer.agents.delete(entry.node);
          if (owns(entry.node)) {
            this.owner.delete(entry.node);
            model.agentDisconnected(entry.node, entry.bootId, clock.now());
          }
          break;
        case 'snapshot':
          if (owns(entry.s.node) && model.applySnapshot(entry.s, clock.now())) traffic.add(entry.s);
          break;
        case 'urgent':
          if (owns(entry.node))
            model.applyUrgent(entry.node, entry.bootId, entry.event, entry.faults);
          break;
        case 'drop':
          if (owns(entry.node) || !this.owner.has(entry.node)) traffic.drop(entry.node);
          break;
        case 'events':
          events.publish(entry.events as unknown as readonly ModelEvent[], 'peer');
          break;
        case 'agents': {
          // the heartbeat repairs what a lost message left wrong, and tells a new server everything
          const listed = new Set(entry.agents.map((h) => h.node));
          for (const [node, hello] of peer.agents) {
            if (listed.has(node)) continue;
            peer.agents.delete(node);
            if (owns(node)) {
              this.owner.delete(node);
              model.agentDisconnected(node, hello.bootId, clock.now());
            }
          }
          for (const hello of entry.agents) {
            const known = peer.agents.get(hello.node);
            if (known?.bootId === hello.bootId && (owns(hello.node) || this.owner.has(hello.node)))
              continue;
            adopt(hello);
          }
          break;
        }
        case 'bye':
          this.forget(server, 'left');
          return;
      }
    }
  }

  /** A peer is gone: the nodes whose agents it held are down as far as this server can tell. */
  private forget(server: string, why: string): void {
    const peer = this.peers.get(server);
    if (peer === undefined) return;
    this.peers.delete(server);
    const { model, traffic, clock } = this.options;
    for (const [node, hello] of peer.agents) {
      if (this.owner.get(node) !== server) continue;
      this.owner.delete(node);
      model.agentDisconnected(node, hello.bootId, clock.now());
      traffic.drop(node);
    }
    this.options.log?.(`peers: observatory server ${server} ${why}; its agents are down here`);
  }
}
