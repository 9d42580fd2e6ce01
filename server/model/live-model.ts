/**
 * The live cluster model: a pure state machine fed by agent connects, disconnects and snapshots,
 * read as a `ClusterModel`. No sockets, no timers: time comes in as arguments, so every rule
 * (status, links from both ends, partition sides, shard claims, faults) is tested with plain calls.
 *
 * Longer than ~400 lines on purpose: one state machine over one set of maps (nodes, links, shards,
 * faults) whose rules read each other's state; the pure derivations already live beside it
 * (`components.ts`, `traffic-window.ts`).
 */
import type { AgentHello } from '../../protocol/agent.ts';
import type {
  ClusterModel,
  LinkEndState,
  LinkState,
  ModelFault,
  ModelLink,
  ModelNode,
  ModelShard,
  NodeStatus,
  ShardClaimant,
} from '../../protocol/model.ts';
import type {
  ActiveFault,
  BeamStats,
  DiscoverySummary,
  LinkRow,
  NodeEvent,
  NodeView,
  ProcessStats,
  Runtime,
  ShardRow,
  Snapshot,
} from '../../protocol/telemetry.ts';
import { MAX_LINKS } from '../../protocol/telemetry.ts';
import { MAX_TRACKED_NODES } from '../ingest/bounds.ts';
import { connectedComponents } from './components.ts';

/** A node is `unknown` when its connected agent has sent nothing for this many intervals. */
export const STALE_AFTER_INTERVALS = 5;

interface NodeState {
  name: string;
  address: string | null;
  hidden: boolean;
  bootId: string | null;
  connected: boolean;
  intervalMs: number;
  lastSeen: number | null;
  since: number;
  status: NodeStatus;
  view: NodeView | null;
  capabilities: readonly string[];
  process: ProcessStats | null;
  links: Map<string, LinkRow>;
  shards: readonly ShardRow[];
  faults: readonly ActiveFault[];
  /** the latest discovery section; kept while the node is down, as its last account */
  discovery: DiscoverySummary | null;
  lastSeq: number;
  /** from the latest snapshot that said; undefined until then */
  runtime: Runtime | undefined;
  beam: BeamStats | null;
}

export interface LiveModelOptions {
  /** server clock, ms since epoch */
  readonly now: () => number;
  /** nodes kept; a new one beyond it evicts the longest-silent node. Default MAX_TRACKED_NODES */
  readonly maxNodes?: number;
  /** told about each evicted node (to drop its other state and log a warning) */
  readonly onEvict?: (node: string) => void;
}

/** What changed as the result of one input, for callers that react to specific transitions. */
export interface StatusChange {
  readonly node: string;
  readonly from: NodeStatus;
  readonly to: NodeStatus;
}

export class LiveModel {
  private readonly nodes = new Map<string, NodeState>();
  private version = 0;
  private cached: ClusterModel | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly options: LiveModelOptions) {}

  /** Called after every change; returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Bumps on every change. */
  get currentVersion(): number {
    return this.version;
  }

  /** Names of nodes whose agent is connected now. */
  connectedNodes(): string[] {
    return [...this.nodes.values()].filter((n) => n.connected).map((n) => n.name);
  }

  /** True when the model has ever heard of `name` (from its agent or from a peer). */
  knows(name: string): boolean {
    return this.nodes.has(name) || this.mentioned().has(name);
  }

  /** The highest seq applied for (node, bootId), 0 when none. */
  lastSeq(node: string, bootId: string): number {
    const n = this.nodes.get(node);
    return n !== undefined && n.bootId === bootId ? n.lastSeq : 0;
  }

  agentConnected(hello: AgentHello, at: number): StatusChange | undefined {
    if (!this.nodes.has(hello.node)) this.makeRoom();
    const n = this.nodes.get(hello.node) ?? this.blank(hello.node, at);
    if (n.bootId !== hello.bootId) {
      // A new boot is a new process: nothing it said before its restart still holds.
      n.links = new Map();
      n.shards = [];
      n.faults = [];
      n.view = null;
      n.process = null;
      n.discovery = null;
      n.beam = null;
      n.lastSeq = 0;
      n.bootId = hello.bootId;
    }
    n.address = hello.address;
    n.hidden = hello.hidden;
    n.capabilities = [...hello.capabilities];
    n.intervalMs = hello.intervalMs;
    n.connected = true;
    n.lastSeen = at;
    this.nodes.set(n.name, n);
    return this.setStatus(n, 'up', at);
  }

  agentDisconnected(node: string, bootId: string, at: number): StatusChange | undefined {
    const n = this.nodes.get(node);
    // A late disconnect of an old boot must not mark the restarted node down.
    if (n === undefined || n.bootId !== bootId || !n.connected) return undefined;
    n.connected = false;
    // A node we cannot hear holds no shard and no fault as far as anyone can tell.
    n.shards = [];
    n.faults = [];
    n.links = new Map();
    return this.setStatus(n, 'down', at) ?? this.touch();
  }

  /** Applies one snapshot; returns false for a repeat or an out-of-order seq (ignored). */
  applySnapshot(s: Snapshot, at: number): boolean {
    const n = this.nodes.get(s.node);
    if (n === undefined || n.bootId !== s.bootId || s.seq <= n.lastSeq) return false;
    n.lastSeq = s.seq;
    n.view = s.view;
    n.links = new Map(s.links.map((l) => [l.peer, l]));
    if (s.shards !== undefined) n.shards = s.shards;
    if (s.discovery !== undefined) n.discovery = s.discovery;
    if (s.runtime !== undefined) n.runtime = s.runtime;
    if (s.beam !== undefined) n.beam = s.beam;
    n.faults = s.faults;
    n.process = s.process;
    n.intervalMs = s.intervalMs;
    if (n.connected) {
      n.lastSeen = at;
      if (this.setStatus(n, 'up', at) === undefined) this.touch();
    } else {
      this.touch();
    }
    return true;
  }

  /**
   * Applies a membership or fault event that the node sent ahead of its next snapshot, to that
   * node's view, links and faults; the snapshot later overwrites them with the node's own
   * account. Returns false when the node or boot is not the connected one, or nothing changed.
   */
  applyUrgent(
    node: string,
    bootId: string,
    event: NodeEvent,
    faults: readonly ActiveFault[] | undefined,
  ): boolean {
    const n = this.nodes.get(node);
    if (n === undefined || n.bootId !== bootId || !n.connected) return false;
    if (event.type === 'nodeup' || event.type === 'nodedown') {
      // A snapshot carries at most MAX_LINKS links; urgent events may not grow past it either.
      if (!n.links.has(event.node) && n.links.size >= MAX_LINKS) return false;
      const up = event.type === 'nodeup';
      const view = n.view ?? { nodes: [], hidden: [] };
      const without = (list: readonly string[]) => list.filter((p) => p !== event.node);
      const add = (list: readonly string[]) => [...without(list), event.node].sort();
      n.view = {
        nodes: up && !event.hidden ? add(view.nodes) : without(view.nodes),
        hidden: up && event.hidden ? add(view.hidden) : without(view.hidden),
      };
      n.links = new Map(n.links);
      n.links.set(event.node, {
        peer: event.node,
        state: up ? 'up' : 'down',
        hidden: event.hidden,
        since: event.at,
        ...(event.type === 'nodedown' && { reason: event.reason }),
      });
    } else if (event.type === 'fault' && faults !== undefined) {
      n.faults = faults;
    } else {
      return false;
    }
    this.touch();
    return true;
  }

  /** Re-evaluates time-based state (staleness, time left on faults). */
  tick(at: number): StatusChange[] {
    const changes: StatusChange[] = [];
    for (const n of this.nodes.values()) {
      if (!n.connected || n.lastSeen === null) continue;
      const stale = at - n.lastSeen > STALE_AFTER_INTERVALS * n.intervalMs;
      const change = this.setStatus(n, stale ? 'unknown' : 'up', at);
      if (change !== undefined) changes.push(change);
    }
    if (changes.length === 0 && this.hasFaults()) this.touch();
    return changes;
  }

  /** The model as of now (cached until the next change). */
  read(): ClusterModel {
    this.cached ??= this.build();
    return this.cached;
  }

  /** Evicts the node silent the longest (disconnected ones first) when the model is full. */
  private makeRoom(): void {
    const max = this.options.maxNodes ?? MAX_TRACKED_NODES;
    if (this.nodes.size < max) return;
    let victim: NodeState | undefined;
    for (const n of this.nodes.values()) {
      const older =
        victim === undefined ||
        (victim.connected && !n.connected) ||
        (victim.connected === n.connected &&
          (n.lastSeen ?? n.since) < (victim.lastSeen ?? victim.since));
      if (older) victim = n;
    }
    if (victim === undefined) return;
    this.nodes.delete(victim.name);
    this.options.onEvict?.(victim.name);
    this.touch();
  }

  private hasFaults(): boolean {
    for (const n of this.nodes.values()) if (n.faults.length > 0) return true;
    return false;
  }

  private blank(name: string, at: number): NodeState {
    return {
      name,
      address: null,
      hidden: false,
      bootId: null,
      connected: false,
      intervalMs: 1_000,
      lastSeen: null,
      since: at,
      status: 'unknown',
      view: null,
      capabilities: [],
      process: null,
      links: new Map(),
      shards: [],
      faults: [],
      discovery: null,
      lastSeq: 0,
      runtime: undefined,
      beam: null,
    };
  }

  private setStatus(n: NodeState, status: NodeStatus, at: number): StatusChange | undefined {
    if (n.status === status) return undefined;
    const change = { node: n.name, from: n.status, to: status };
    n.status = status;
    n.since = at;
    this.touch();
    return change;
  }

  private touch(): undefined {
    this.version++;
    this.cached = undefined;
    for (const listener of this.listeners) listener();
    return undefined;
  }

  /** Names other nodes report (views and links) that have no agent of their own. */
  private mentioned(): Map<string, boolean> {
    const seen = new Map<string, boolean>();
    for (const n of this.nodes.values()) {
      if (!n.connected) continue;
      for (const name of n.view?.nodes ?? []) seen.set(name, seen.get(name) ?? false);
      for (const name of n.view?.hidden ?? []) seen.set(name, true);
      for (const l of n.links.values()) seen.set(l.peer, seen.get(l.peer) ?? l.hidden);
    }
    return seen;
  }

  private build(): ClusterModel {
    const at = this.options.now();
    const all = new Map<string, ModelNode>();
    for (const n of this.nodes.values()) all.set(n.name, this.toModelNode(n));
    for (const [name, hidden] of this.mentioned()) {
      if (all.has(name)) continue;
      all.set(name, {
        name,
        address: null,
        hidden,
        status: 'unknown',
        bootId: null,
        lastSeen: null,
        since: at,
        view: null,
        capabilities: [],
        process: null,
        shardsOwned: 0,
        discovery: null,
      });
    }
    const nodes = [...all.values()].sort((x, y) =>
      x.name < y.name ? -1 : x.name > y.name ? 1 : 0,
    );
    const links = this.buildLinks(all);
    const members = nodes.filter((n) => !n.hidden && n.status === 'up').map((n) => n.name);
    const edges = links.filter((l) => l.state === 'up').map((l) => [l.a, l.b] as const);
    const sides = connectedComponents(members, edges);
    return {
      at,
      version: this.version,
      nodes,
      links,
      sides,
      partitioned: sides.length > 1,
      shards: this.buildShards(),
      faults: this.buildFaults(at),
    };
  }

  private toModelNode(n: NodeState): ModelNode {
    return {
      name: n.name,
      address: n.address,
      hidden: n.hidden,
      status: n.status,
      bootId: n.bootId,
      lastSeen: n.lastSeen,
      since: n.since,
      view: n.view,
      capabilities: n.capabilities,
      process: n.process,
      shardsOwned: n.shards.filter((s) => s.role === 'owner').length,
      discovery: n.discovery,
      ...(n.runtime !== undefined && { runtime: n.runtime, beam: n.beam }),
    };
  }

  private endState(from: string, to: string): LinkEndState {
    const n = this.nodes.get(from);
    // No agent: the other end speaks alone. A known node that went away holds no link up.
    if (n === undefined || n.bootId === null) return 'missing';
    if (!n.connected) return 'down';
    return n.links.get(to)?.state ?? 'missing';
  }

  private faultBetween(x: string, y: string, kind: ActiveFault['kind']): boolean {
    const holds = (a: string, b: string) =>
      (this.nodes.get(a)?.faults ?? []).some((f) => f.kind === kind && f.peers.includes(b));
    return holds(x, y) || holds(y, x);
  }

  private buildLinks(all: ReadonlyMap<string, ModelNode>): ModelLink[] {
    const pairs = new Set<string>();
    for (const n of this.nodes.values()) {
      if (!n.connected) continue;
      for (const peer of n.links.keys()) {
        if (peer === n.name) continue;
        pairs.add(n.name < peer ? `${n.name}\n${peer}` : `${peer}\n${n.name}`);
      }
    }
    const links: ModelLink[] = [];
    for (const key of [...pairs].sort()) {
      const [a, b] = key.split('\n') as [string, string];
      const ends = { a: this.endState(a, b), b: this.endState(b, a) };
      links.push({
        a,
        b,
        state: linkState(ends.a, ends.b),
        ends,
        blackholed: this.faultBetween(a, b, 'partition'),
        delayed: this.faultBetween(a, b, 'latency'),
        hidden: (all.get(a)?.hidden ?? false) || (all.get(b)?.hidden ?? false),
      });
    }
    return links;
  }

  private buildShards(): ModelShard[] {
    const byShard = new Map<number, { node: string; row: ShardRow }[]>();
    for (const n of this.nodes.values()) {
      if (!n.connected) continue;
      for (const row of n.shards) {
        const list = byShard.get(row.shard) ?? [];
        list.push({ node: n.name, row });
        byShard.set(row.shard, list);
      }
    }
    const shards: ModelShard[] = [];
    for (const [shard, reports] of [...byShard].sort((x, y) => x[0] - y[0])) {
      const claimants: ShardClaimant[] = reports
        .filter((r) => r.row.role !== 'observer')
        .map((r) => ({
          node: r.node,
          role: r.row.role as ShardClaimant['role'],
          epoch: r.row.epoch,
        }))
        .sort((x, y) => (x.node < y.node ? -1 : 1));
      const owners = claimants.filter((c) => c.role === 'owner');
      const epoch = Math.max(0, ...reports.map((r) => r.row.epoch));
      let owner: string | null = null;
      if (owners.length > 0) {
        owner = owners.reduce((best, c) => (c.epoch > best.epoch ? c : best)).node;
      } else {
        owner = mostBelieved(reports.map((r) => r.row.owner));
      }
      shards.push({
        shard,
        owner,
        epoch,
        claimants,
        conflict: owners.length > 1,
        handoff: claimants.some((c) => c.role !== 'owner'),
      });
    }
    return shards;
  }

  private buildFaults(at: number): ModelFault[] {
    const faults: ModelFault[] = [];
    for (const n of this.nodes.values()) {
      if (!n.connected) continue;
      for (const f of n.faults) {
        faults.push({
          id: f.id,
          node: n.name,
          kind: f.kind,
          peers: f.peers,
          ...(f.delayMs !== undefined && { delayMs: f.delayMs }),
          ...(f.jitterMs !== undefined && { jitterMs: f.jitterMs }),
          appliedAt: f.appliedAt,
          expiresAt: f.expiresAt,
          timeLeftMs: Math.max(0, f.expiresAt - at),
        });
      }
    }
    return faults.sort((x, y) => (x.node < y.node ? -1 : x.node > y.node ? 1 : 0));
  }
}

function linkState(a: LinkEndState, b: LinkEndState): LinkState {
  if (a === 'missing' && b === 'missing') return 'unknown';
  if (a === 'missing' || b === 'missing') return (a === 'missing' ? b : a) === 'up' ? 'up' : 'down';
  const ups = Number(a === 'up') + Number(b === 'up');
  if (ups === 2) return 'up';
  if (ups === 1) return 'asymmetric';
  return 'down';
}

function mostBelieved(beliefs: readonly (string | null)[]): string | null {
  const counts = new Map<string, number>();
  for (const b of beliefs) if (b !== null) counts.set(b, (counts.get(b) ?? 0) + 1);
  let best: string | null = null;
  let bestCount = 0;
  for (const [name, c] of [...counts].sort()) {
    if (c > bestCount) {
      best = name;
      bestCount = c;
    }
  }
  return best;
}
