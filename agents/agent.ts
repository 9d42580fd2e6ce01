import { randomUUID } from 'node:crypto';
import type { ClusterNode, Clock, Logger, MembershipEvent } from '../cluster/api.ts';
import type { AgentCapability, AgentHello } from '../protocol/agent.ts';
import {
  AGENT_PROTOCOL_VERSION,
  MAX_SNAPSHOT_BATCH_BYTES,
  URGENT_EVENT_TYPES,
} from '../protocol/agent.ts';
import type { ControlCommand } from '../protocol/control.ts';
import type { NodeEvent, ShardRow, Snapshot } from '../protocol/telemetry.ts';
import {
  MAX_INTERVAL_MS,
  MAX_SHARDS,
  nodeEventSchema,
  shardRowSchema,
} from '../protocol/telemetry.ts';
import type { BufferLimits } from './buffer.ts';
import { SnapshotBuffer } from './buffer.ts';
import { systemClock } from '../cluster/index.ts';
import { ControlExecutor } from './control.ts';
import { DEFAULT_AGENT_INTERVAL_MS, DEFAULT_FAULT_UNREACHABLE_REVERT_MS } from './defaults.ts';
import type { DiscoverySource } from './discovery.ts';
import { DiscoveryTracker } from './discovery.ts';
import { AgentDetachedError, AgentOptionsError } from './errors.ts';
import { EventLog } from './events.ts';
import { fitSnapshot } from './fit.ts';
import { LinkTable } from './links.ts';
import type { ProcessStatsSource } from './process-stats.ts';
import { processStatsSource } from './process-stats.ts';
import { socketTransport } from './socket-transport.ts';
import type { AgentTransport } from './stream.ts';
import { Streamer } from './stream.ts';
import { RpcAggregator, TrafficAggregator } from './traffic.ts';

/** The parts of a node the agent uses (a fake in unit tests implements just these). */
export type AgentNode = Pick<
  ClusterNode,
  'name' | 'hidden' | 'address' | 'nodes' | 'monitorNodes' | 'instrumentation' | 'faults'
>;

/** A shard as this node sees it; see `shardRowSchema` for the meaning of `role`. */
export type ShardInfo = ShardRow;

/** Events the embedding code reports through `Agent.record` (lease, fencing, ownership). */
export type RecordableEvent = Extract<NodeEvent, { type: 'lease' | 'fencing' | 'ownership' }>;

const schema = nodeEventSchema;
const shardRows = shardRowSchema.array().max(MAX_SHARDS);

export interface AgentOptions {
  /** observatory base URL, e.g. `http://127.0.0.1:3000`; the agent connects to `${url}/agent` */
  readonly url: string;
  /**
   * This node's own agent credential, derived by the observatory from its agent secret and the
   * node's full name (`observatory agent-credential`); the CLI reads it from
   * OBSERVATORY_AGENT_TOKEN, the agent never reads the environment.
   */
  readonly token: string;
  /**
   * snapshot interval
   * @default DEFAULT_AGENT_INTERVAL_MS (agents/defaults.ts)
   */
  readonly intervalMs?: number;
  /**
   * bounds of the unacknowledged-snapshot buffer
   * @default DEFAULT_BUFFER_MAX_SNAPSHOTS and DEFAULT_BUFFER_MAX_BYTES (agents/defaults.ts)
   */
  readonly buffer?: BufferLimits;
  /** @default the system clock */
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** shard ownership as this node sees it, read once per interval */
  readonly shards?: () => readonly ShardInfo[];
  /**
   * the node's running discovery (`startDiscovery`'s result): its events and `stats()` are
   * summed up into each snapshot's `discovery` section; without it the section is left out
   */
  readonly discovery?: DiscoverySource;
  /** runs ~100 ms after a kill command was acknowledged; without it kill is refused */
  readonly onKill?: (command: ControlCommand) => void;
  /**
   * faults revert when the server has been unreachable this long
   * @default DEFAULT_FAULT_UNREACHABLE_REVERT_MS (agents/defaults.ts)
   */
  readonly faultRevertAfterUnreachableMs?: number;
  /** @default a random UUID */
  readonly bootId?: string;
  /**
   * socket.io reconnection delay
   * @default DEFAULT_RECONNECT_DELAY_MS (agents/defaults.ts)
   */
  readonly reconnectDelayMs?: number;
  /** @default DEFAULT_RECONNECT_DELAY_MAX_MS (agents/defaults.ts) */
  readonly reconnectDelayMaxMs?: number;
  /** PEM CA(s) to trust when the observatory URL is https with a private CA */
  readonly ca?: string | string[];
  /**
   * resend a batch with no ack after this long
   * @default DEFAULT_SNAPSHOT_ACK_TIMEOUT_MS (agents/defaults.ts)
   */
  readonly ackTimeoutMs?: number;
  /** for tests: replaces socket.io */
  readonly transport?: AgentTransport;
  /** for tests: replaces process.memoryUsage and the event-loop monitor */
  readonly processStats?: ProcessStatsSource;
}

export interface AgentStatus {
  readonly bootId: string;
  readonly connected: boolean;
  readonly lastSeq: number;
  readonly bufferedSnapshots: number;
  readonly droppedSnapshots: number;
  readonly rejectedSnapshots: number;
}

export interface Agent {
  readonly bootId: string;
  /** report a lease, fencing or ownership event; returns false (and logs) when malformed */
  record(event: RecordableEvent): boolean;
  status(): AgentStatus;
  /** unhooks from the node, reverts the faults it set, closes the connection */
  detach(): Promise<void>;
}

/**
 * Attaches an observatory agent to a node: hooks its instrumentation, builds one snapshot per
 * interval, streams snapshots to `${url}/agent` with replay after outages, and executes control
 * commands with time limits.
 */
export function attachAgent(node: AgentNode, options: AgentOptions): Agent {
  const intervalMs = options.intervalMs ?? DEFAULT_AGENT_INTERVAL_MS;
  validate(options, intervalMs);
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  const bootId = options.bootId ?? randomUUID();
  const revertAfterMs =
    options.faultRevertAfterUnreachableMs ?? DEFAULT_FAULT_UNREACHABLE_REVERT_MS;

  const traffic = new TrafficAggregator();
  const rpc = new RpcAggregator();
  const links = new LinkTable();
  const events = new EventLog();
  let eventSeq = 0;
  const urgentTypes: readonly string[] = URGENT_EVENT_TYPES;
  // Every event gets an eid; membership and fault events also leave at once (the snapshot copy
  // carries the same eid, so the server shows the event once).
  const recordEvent = (event: NodeEvent): void => {
    const stamped: NodeEvent = { ...event, eid: ++eventSeq };
    events.push(stamped);
    if (!urgentTypes.includes(stamped.type)) return;
    streamer.sendUrgent({
      node: node.name,
      bootId,
      event: stamped,
      ...(stamped.type === 'fault' && { faults: executor.list() }),
    });
  };
  const buffer = new SnapshotBuffer(options.buffer);
  const processStats = options.processStats ?? processStatsSource();
  const executor = new ControlExecutor({
    self: node.name,
    faults: node.faults,
    clock,
    emit: (e) => recordEvent(e),
    ...(logger !== undefined && { logger }),
    ...(options.onKill !== undefined && { onKill: options.onKill }),
  });

  const capabilities: AgentCapability[] = ['partition', 'heal', 'latency'];
  if (options.onKill !== undefined) capabilities.push('kill');
  if (options.shards !== undefined) capabilities.push('shards');
  const hello = (): AgentHello => ({
    token: options.token,
    protocol: AGENT_PROTOCOL_VERSION,
    node: node.name,
    bootId,
    hidden: node.hidden,
    address: `${node.address.host}:${node.address.port}`,
    intervalMs,
    capabilities,
    now: clock.now(),
  });

  let unreachableTimer: unknown;
  const streamer = new Streamer({
    transport:
      options.transport ??
      socketTransport({
        url: options.url,
        hello,
        clock,
        ...(logger !== undefined && { logger }),
        ...(options.reconnectDelayMs !== undefined && {
          reconnectDelayMs: options.reconnectDelayMs,
        }),
        ...(options.reconnectDelayMaxMs !== undefined && {
          reconnectDelayMaxMs: options.reconnectDelayMaxMs,
        }),
        ...(options.ca !== undefined && { ca: options.ca }),
      }),
    buffer,
    clock,
    ...(logger !== undefined && { logger }),
    ...(options.ackTimeoutMs !== undefined && { ackTimeoutMs: options.ackTimeoutMs }),
    onCommand: (command, reply) => reply(executor.execute(command)),
    onConnectionChange: (connected) => {
      if (unreachableTimer !== undefined) clock.clearTimeout(unreachableTimer);
      unreachableTimer = undefined;
      // Faults never outlive the server's ability to heal them.
      if (!connected) {
        unreachableTimer = clock.setTimeout(() => {
          unreachableTimer = undefined;
          executor.revertAll('unreachable');
        }, revertAfterMs);
      }
    },
  });

  const discovery =
    options.discovery === undefined ? undefined : new DiscoveryTracker(options.discovery, logger);
  const attachedAt = clock.now();
  links.seed(
    node.nodes({ hidden: true }).map((peer) => ({ peer, hidden: !node.nodes().includes(peer) })),
    attachedAt,
  );
  const unhook = [
    node.instrumentation.onFrameRuns(traffic.record),
    node.instrumentation.onRpc(rpc.record),
    node.instrumentation.onLinkState(links.record),
    node.monitorNodes((e: MembershipEvent) => {
      recordEvent(
        e.event === 'nodeup'
          ? { type: 'nodeup', at: e.at, node: e.node, hidden: e.hidden }
          : { type: 'nodedown', at: e.at, node: e.node, hidden: e.hidden, reason: e.reason },
      );
    }),
  ];

  let seq = 0;
  let windowStart = attachedAt;
  let windowStartMono = clock.monotonic();
  let nextBoundary = 0;
  let tickTimer: unknown;
  let detached = false;

  const schedule = (): void => {
    const now = clock.now();
    nextBoundary = (Math.floor(now / intervalMs) + 1) * intervalMs;
    // A timer that fires a hair early must not produce a sliver of a window.
    if (nextBoundary - now < intervalMs / 10) nextBoundary += intervalMs;
    tickTimer = clock.setTimeout(tick, nextBoundary - now);
  };

  const buildShards = (): ShardRow[] | undefined => {
    if (options.shards === undefined) return undefined;
    try {
      const parsed = shardRows.safeParse(options.shards());
      if (parsed.success) return parsed.data;
      logger?.warn('shard provider returned bad rows', { error: parsed.error.message });
    } catch (error) {
      logger?.warn('shard provider threw', { error: String(error) });
    }
    return undefined;
  };

  const tick = (): void => {
    if (detached) return;
    // Nominal window bounds keep `t` strictly increasing even when timers fire early or late.
    const windowEnd = nextBoundary;
    // A wall-clock step (NTP, an operator) between two ticks makes the nominal bounds lie about
    // the window's length by up to the step; the monotonic clock does not, so it decides then.
    const mono = clock.monotonic();
    const nominalMs = windowEnd - windowStart;
    const measuredMs = mono - windowStartMono;
    const lengthMs =
      Math.abs(nominalMs - measuredMs) > intervalMs / 2 ? Math.round(measuredMs) : nominalMs;
    node.instrumentation.flushFrameRuns();
    const { frames, overflowFrames } = traffic.flush();
    const { events: happened, droppedEvents } = events.flush();
    const visible = node.nodes();
    const all = node.nodes({ hidden: true });
    const snapshot: Snapshot = {
      node: node.name,
      bootId,
      seq: ++seq,
      t: Math.floor(windowStart / 1000),
      intervalMs: Math.min(MAX_INTERVAL_MS, Math.max(1, lengthMs)),
      frames,
      links: links.snapshot(clock.now()),
      view: { nodes: [...visible].sort(), hidden: all.filter((n) => !visible.includes(n)).sort() },
      rpc: rpc.flush(),
      faults: executor.list(),
      events: happened,
      eventsThrough: eventSeq,
      process: processStats.read(),
      agent: {
        droppedSnapshots: buffer.dropped,
        bufferedSnapshots: buffer.length,
        droppedEvents,
        overflowFrames,
      },
    };
    const shards = buildShards();
    if (shards !== undefined) snapshot.shards = shards;
    const found = discovery?.summary();
    if (found !== undefined) snapshot.discovery = found;
    snapshot.agent.overflowFrames += fitSnapshot(snapshot, MAX_SNAPSHOT_BATCH_BYTES);
    windowStart = windowEnd;
    windowStartMono = mono;
    streamer.enqueue(snapshot);
    schedule();
  };

  streamer.start();
  schedule();

  return {
    bootId,
    record(event) {
      if (detached) throw new AgentDetachedError();
      const parsed = schema.safeParse(event);
      if (!parsed.success) {
        logger?.warn('agent.record: malformed event', { error: parsed.error.message });
        return false;
      }
      recordEvent(parsed.data);
      return true;
    },
    status() {
      return {
        bootId,
        connected: streamer.isConnected,
        lastSeq: seq,
        bufferedSnapshots: buffer.length,
        droppedSnapshots: buffer.dropped,
        rejectedSnapshots: streamer.rejectedSnapshots,
      };
    },
    detach() {
      if (detached) return Promise.resolve();
      detached = true;
      if (tickTimer !== undefined) clock.clearTimeout(tickTimer);
      if (unreachableTimer !== undefined) clock.clearTimeout(unreachableTimer);
      for (const off of unhook) off();
      discovery?.close();
      executor.revertAll('detach');
      streamer.close();
      processStats.close();
      return Promise.resolve();
    },
  };
}

function validate(options: AgentOptions, intervalMs: number): void {
  if (options.transport === undefined) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch (cause) {
      throw new AgentOptionsError(
        `url must be an absolute http(s) URL, got ${JSON.stringify(options.url)}`,
        { cause },
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new AgentOptionsError(`url must use http or https, got ${url.protocol}`);
    }
  }
  if (typeof options.token !== 'string' || options.token.length === 0) {
    throw new AgentOptionsError('token must be a non-empty string');
  }
  if (!Number.isInteger(intervalMs) || intervalMs < 1 || intervalMs > MAX_INTERVAL_MS) {
    throw new AgentOptionsError(`intervalMs must be an integer in 1..${MAX_INTERVAL_MS}`);
  }
}
