/**
 * The live cluster model as the server computes it from agent snapshots, and the `/ui` events
 * that carry it to dashboards. Plain JSON types (no Dates, no Maps) so the same value is the
 * `GET /api/cluster` body, the `/ui` `model` push and what the browser renders.
 */
import type {
  BeamStats,
  DiscoverySummary,
  NodeEvent,
  NodeView,
  ProcessStats,
  Runtime,
} from './telemetry.ts';

/**
 * `up`: its agent is connected and reporting; `down`: its agent disconnected (process gone or
 * unreachable); `unknown`: seen only in other nodes' views, or its agent stopped reporting.
 */
export type NodeStatus = 'up' | 'down' | 'unknown';

export interface ModelNode {
  /** `name@host` */
  readonly name: string;
  /** `host:port` the node listens on, when its agent told us */
  readonly address: string | null;
  readonly hidden: boolean;
  readonly status: NodeStatus;
  /** the agent's boot id (changes when the node restarts), null when never connected */
  readonly bootId: string | null;
  /** server clock (ms since epoch) of the last snapshot or connect, null when never seen */
  readonly lastSeen: number | null;
  /** since when the node has had its current status (server clock) */
  readonly since: number;
  /** this node's own view of the cluster (its `nodes()`), from its last snapshot */
  readonly view: NodeView | null;
  /** agent capabilities (`kill`, `partition`, `heal`, `latency`, `shards`) */
  readonly capabilities: readonly string[];
  readonly process: ProcessStats | null;
  /** shards this node owns (role `owner`) in its own report */
  readonly shardsOwned: number;
  /**
   * what the node's discovery strategy found and tried, from its latest snapshot that carried it;
   * null when the node reports no discovery.
   */
  readonly discovery: DiscoverySummary | null;
  /** `beam` for a BEAM node watched over rex; `node` (or absent) for a TypeScript node */
  readonly runtime?: Runtime;
  /** a BEAM node's stats from its latest poll (OTP release, memory, processes, names) */
  readonly beam?: BeamStats | null;
}

/** What one end of a link reports. `missing`: that end does not list the link at all. */
export type LinkEndState = 'connecting' | 'up' | 'down' | 'missing';

/**
 * `up`: both ends say up; `down`: neither says up; `asymmetric`: one end up, the other not
 * (typical while a one-way blackhole is being detected); `unknown`: no end reports.
 */
export type LinkState = 'up' | 'down' | 'asymmetric' | 'unknown';

export interface ModelLink {
  /** the two ends, `a < b` */
  readonly a: string;
  readonly b: string;
  readonly state: LinkState;
  /** what `a` and `b` report about this link */
  readonly ends: { readonly a: LinkEndState; readonly b: LinkEndState };
  /** a partition fault held by either end blackholes this link */
  readonly blackholed: boolean;
  /** a latency fault held by either end delays this link */
  readonly delayed: boolean;
  /** true when either end is hidden */
  readonly hidden: boolean;
}

export interface ShardClaimant {
  readonly node: string;
  readonly role: 'owner' | 'acquiring' | 'handing_off';
  readonly epoch: number;
}

export interface ModelShard {
  readonly shard: number;
  /** the claimant with role `owner` and the highest epoch; otherwise the most believed owner */
  readonly owner: string | null;
  /** highest epoch any node reports */
  readonly epoch: number;
  /** every node that claims the shard (owner, acquiring, handing off) */
  readonly claimants: readonly ShardClaimant[];
  /** two or more nodes report role `owner`: split brain made visible */
  readonly conflict: boolean;
  /** a claimant is acquiring or handing off */
  readonly handoff: boolean;
}

export interface ModelFault {
  /** the control command id */
  readonly id: string;
  /** the node whose agent holds the fault */
  readonly node: string;
  readonly kind: 'partition' | 'latency';
  readonly peers: readonly string[];
  readonly delayMs?: number;
  readonly jitterMs?: number;
  /** node clock, ms since epoch */
  readonly appliedAt: number;
  readonly expiresAt: number;
  /** at the time the model was built */
  readonly timeLeftMs: number;
}

export interface ClusterModel {
  /** server clock when built, ms since epoch */
  readonly at: number;
  /** bumps on every change */
  readonly version: number;
  readonly nodes: readonly ModelNode[];
  readonly links: readonly ModelLink[];
  /**
   * Connected components of the graph of `up` links among non-hidden nodes that are up, largest
   * first. One side means no partition.
   */
  readonly sides: readonly (readonly string[])[];
  readonly partitioned: boolean;
  readonly shards: readonly ModelShard[];
  readonly faults: readonly ModelFault[];
}

/** Traffic on one directed link and channel, from the sender's report, over the last window. */
export interface TrafficRow {
  readonly from: string;
  readonly to: string;
  readonly channel: string;
  readonly msgPerSec: number;
  readonly bytesPerSec: number;
  /** frame size percentiles in bytes (merged sketches), null when no frames */
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

export interface TrafficModel {
  readonly at: number;
  /** length of the window the rates are averaged over */
  readonly windowMs: number;
  readonly rows: readonly TrafficRow[];
}

/** Where an event came from: a node's snapshot, or the server itself (agents, controls). */
export type ModelEventSource = 'node' | 'server';

/** A server-side event (agent connection, control action, drill). */
export type ServerEvent =
  | {
      readonly type: 'agent';
      readonly at: number;
      readonly action: 'connected' | 'disconnected';
      readonly bootId: string;
      readonly reason?: string;
    }
  | {
      readonly type: 'control';
      readonly at: number;
      readonly id: string;
      readonly action: string;
      readonly ok: boolean;
      readonly detail?: string;
    }
  | {
      readonly type: 'drill';
      readonly at: number;
      readonly id: string;
      readonly action: string;
      readonly detail?: string;
    };

/** One entry of the events timeline (`GET /api/events`, `/ui` `events`). */
export interface ModelEvent {
  /** store id when persisted; 0 for not-yet-persisted live pushes */
  readonly id: number;
  /** ms since epoch (node clock for node events, server clock for server events) */
  readonly at: number;
  /** the node that reported it (for server events: the node concerned, or '' for none) */
  readonly node: string;
  readonly source: ModelEventSource;
  readonly event: NodeEvent | ServerEvent;
}

/** `/ui` pushes added by the live model (merged into `UiServerToClientEvents`). */
export interface ModelServerToClientEvents {
  /** the whole model: once on connect, then on change, at most `UI_MODEL_MAX_HZ` a second */
  model: (model: ClusterModel) => void;
  /** traffic rates, once a second */
  traffic: (traffic: TrafficModel) => void;
  /** new events, in order, as they arrive */
  events: (events: ModelEvent[]) => void;
}

/** The most model pushes per second to one dashboard. */
export const UI_MODEL_MAX_HZ = 10;
/** How often traffic rates are pushed to `/ui` (at least; larger clusters less often). */
export const UI_TRAFFIC_INTERVAL_MS = 1_000;
/**
 * Least time between two model pushes per link of the model. A browser parses, diffs and draws
 * the whole model on every push, and a model grows with the square of the node count (858 KB at
 * 100 nodes, 4,950 links): 0.2 ms a link keeps 10 Hz up to ~32 nodes and ~1 Hz at 100.
 */
export const UI_MODEL_GAP_MS_PER_LINK = 0.2;
/**
 * Least time between two traffic pushes per traffic row (one per link, channel and direction):
 * ~5 s at 100 nodes, where one push is megabytes, which is also how often the dashboard redraws
 * what traffic feeds (link widths, the matrix, the charts' 5 s steps).
 */
export const UI_TRAFFIC_GAP_MS_PER_ROW = 0.125;
