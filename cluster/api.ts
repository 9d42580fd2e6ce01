/**
 * The public contract of the cluster runtime. Everything outside `cluster/` (agents, CLI, lab,
 * benchmarks) depends on these types only, through `cluster/index.ts`; the implementation may
 * change behind them. Extend freely; do not rename.
 */

/** A node's full name, `name@host` (as in distributed Erlang). */
export type NodeName = string;

/** Why a link went down. A closed union so that consumers can switch on it exhaustively. */
export type NodeDownReason =
  | 'timeout' // heard nothing for a whole ticktime
  | 'connection_closed' // the socket was reset or closed
  | 'disconnect' // disconnect() was called on this side or the peer's
  | 'protocol_error' // the peer sent something we could not decode
  | 'shutdown'; // this node is closing

export interface NodeUpEvent {
  readonly event: 'nodeup';
  readonly node: NodeName;
  readonly hidden: boolean;
  /** ms since epoch, from the node's clock */
  readonly at: number;
}

export interface NodeDownEvent {
  readonly event: 'nodedown';
  readonly node: NodeName;
  readonly hidden: boolean;
  readonly reason: NodeDownReason;
  readonly at: number;
}

export type MembershipEvent = NodeUpEvent | NodeDownEvent;

/**
 * What may travel as a message: any JSON-compatible value, or raw bytes (sent without copying
 * through JSON). Nothing that arrives is ever evaluated as code.
 */
export type Payload = Uint8Array | string | number | boolean | null | JsonObject | JsonArray;
export interface JsonObject {
  readonly [key: string]: Payload | undefined;
}
export type JsonArray = readonly Payload[];

/** A registered name on a node, like `{Name, Node} ! Msg` in Erlang. */
export interface Destination {
  readonly name: string;
  readonly node: NodeName;
}

/**
 * Instrumentation channel: what a frame was for. `pubsub:<topic>` and other
 * `<service>:<detail>` forms are allowed so that services can label their own traffic.
 */
export type Channel =
  | 'tick'
  | 'handshake'
  | 'mesh'
  | 'send'
  | 'rpc'
  | 'monitor'
  | 'registry'
  | 'shard'
  | `pubsub:${string}`
  | `${string}:${string}`;

/** One frame as a record, for code that keeps frames (tests, recorders). */
export interface FrameEvent {
  readonly peer: NodeName;
  readonly channel: Channel;
  readonly direction: 'in' | 'out';
  /** bytes on the wire, framing included */
  readonly bytes: number;
}

/**
 * Called for every frame sent or received. Positional arguments, not an event object: at millions
 * of frames a second an allocation per frame is a measurable part of the agent's cost.
 */
export type FrameListener = (
  peer: NodeName,
  channel: Channel,
  direction: 'in' | 'out',
  bytes: number,
) => void;

export type LinkState = 'connecting' | 'up' | 'down';

export interface LinkStateEvent {
  readonly peer: NodeName;
  readonly state: LinkState;
  readonly hidden: boolean;
  readonly reason?: NodeDownReason;
  readonly at: number;
}

export interface RpcCallEvent {
  readonly peer: NodeName;
  readonly handler: string;
  readonly durationMs: number;
  readonly ok: boolean;
}

export interface ConnectOptions {
  readonly signal?: AbortSignal;
  /** called once, before the promise resolves false, with the reason the link was not made */
  readonly onFailure?: (reason: string) => void;
}

/**
 * Called with a run of `count` consecutive frames of one peer, channel, direction and size. For
 * aggregators: a stream of equal frames (ticks, fixed-size messages) costs a compare and an
 * increment per frame in the runtime, and one call per run.
 */
export type FrameRunListener = (
  peer: NodeName,
  channel: Channel,
  direction: 'in' | 'out',
  bytes: number,
  count: number,
) => void;

/**
 * Hooks for the agent. Listening costs close to nothing when nobody listens: the runtime checks
 * a listener count before building an event.
 */
export interface Instrumentation {
  /** every frame, as it crosses */
  onFrame(listener: FrameListener): () => void;
  /**
   * frames in runs: a run is delivered when a different frame ends it, or at `flushFrameRuns()`,
   * which a reader calls before it reads what its listener summed up
   */
  onFrameRuns(listener: FrameRunListener): () => void;
  flushFrameRuns(): void;
  onLinkState(listener: (event: LinkStateEvent) => void): () => void;
  onRpc(listener: (event: RpcCallEvent) => void): () => void;
}

export interface LatencyFault {
  readonly delayMs: number;
  readonly jitterMs: number;
}

/**
 * Fault injection in the link layer. A blackhole drops frames and handshakes to and from the
 * peer silently (no close), so the peer is detected down only after a ticktime.
 */
export interface FaultControl {
  blackhole(peer: NodeName): void;
  unblackhole(peer: NodeName): void;
  setLatency(peer: NodeName, fault: LatencyFault | null): void;
  /** the faults in force, for the agent's reports */
  list(): { blackholed: NodeName[]; latency: Record<NodeName, LatencyFault> };
  /** remove every fault */
  clear(): void;
}

export interface CallOptions {
  /** @default DEFAULT_CALL_TIMEOUT_MS (cluster/constants.ts) */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface SendOptions {
  /**
   * instrumentation label
   * @default 'send'
   */
  readonly channel?: Channel;
}

export interface RpcContext {
  /** the calling node */
  readonly from: NodeName;
  /** aborted when the caller gives up or the link goes down */
  readonly signal: AbortSignal;
}

export type RpcHandler = (args: Payload, ctx: RpcContext) => Payload | Promise<Payload>;

export type MessageHandler = (message: Payload, from: NodeName) => void;

export interface MonitorRef {
  readonly id: number;
}

export type DownReason = 'noconnection' | 'noproc';

export interface MulticallResult {
  readonly results: Record<NodeName, Payload>;
  readonly badNodes: NodeName[];
}

export interface TlsOptions {
  /** PEM file paths */
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

/**
 * The injected clock and timers port, the one time source of the runtime and its agent (a
 * `FakeClock` in unit tests). Two readings, as in Erlang (`erlang:monotonic_time` and
 * `os:system_time`): every duration, deadline, lease and heartbeat uses `monotonic()`, which
 * never jumps; `now()` is for display and storage only, since NTP or an operator may step it
 * by hours either way. Timers are monotonic.
 */
export interface Clock {
  /** wall-clock time, ms since the Unix epoch: timestamps shown or stored, never durations */
  now(): number;
  /** ms since an arbitrary origin, never going back and unaffected by wall-clock steps */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface Logger {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}

export interface NodeOptions {
  /** short name; the full name is `${name}@${host}` */
  readonly name: string;
  /**
   * address to listen on and to advertise
   * @default DEFAULT_HOST (cluster/constants.ts)
   */
  readonly host?: string;
  /** @default 0 (ephemeral) */
  readonly port?: number;
  readonly cookie: string;
  /** connect without joining the mesh; not listed by nodes() elsewhere */
  readonly hidden?: boolean;
  /**
   * Join the full mesh. With false, as Erlang's `-connect_all false`, the node links only to the
   * nodes it connects to or that connect to it: it neither dials the peers a new link tells it of
   * nor tells its links of each other. Named send, RPC, monitors and pub/sub then reach the
   * directly linked nodes only; the global registry refuses a registration unless its linked
   * nodes are all linked to each other, and shards refuse to start (`NotFullyConnectedError`).
   * Set it on every node meant to stay apart: a full-mesh node still dials what it hears of.
   * @default DEFAULT_CONNECT_ALL (cluster/constants.ts)
   */
  readonly connectAll?: boolean;
  /** @default DEFAULT_TICKTIME_MS (cluster/constants.ts) */
  readonly ticktimeMs?: number;
  /** @default DEFAULT_MAX_FRAME_BYTES (cluster/constants.ts) */
  readonly maxFrameBytes?: number;
  /** @default DEFAULT_HANDSHAKE_TIMEOUT_MS (cluster/constants.ts) */
  readonly handshakeTimeoutMs?: number;
  /**
   * largest message payload accepted from a peer or sent to one (a bigger one travels as
   * fragments up to this size; its names and headers ride on top, up to
   * MESSAGE_HEADER_ALLOWANCE_BYTES). A peer that announces more is disconnected with a protocol
   * error; `send`/`call` of more throw MessageTooLargeError.
   * @default DEFAULT_MAX_MESSAGE_BYTES (cluster/constants.ts)
   */
  readonly maxMessageBytes?: number;
  /**
   * incoming connections in handshake at once
   * @default DEFAULT_MAX_PENDING_HANDSHAKES (cluster/constants.ts)
   */
  readonly maxPendingHandshakes?: number;
  /**
   * the same from one remote address
   * @default DEFAULT_MAX_PENDING_HANDSHAKES_PER_ADDRESS (cluster/constants.ts)
   */
  readonly maxPendingHandshakesPerAddress?: number;
  readonly tls?: TlsOptions;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export interface ClusterNode {
  /** `name@host` */
  readonly name: NodeName;
  readonly hidden: boolean;
  /** whether the node joins the full mesh (NodeOptions.connectAll) */
  readonly connectAll: boolean;
  /** where the node listens (port resolved when 0 was asked) */
  readonly address: { readonly host: string; readonly port: number };

  /**
   * `target` is `name@host:port` or `host:port`; resolves true once the link is up (also when it
   * was up already), false when it could not be made, after telling `onFailure` why (refused,
   * unreachable, a handshake refusal such as `rejected: bad_cookie`, …).
   */
  connect(target: string, options?: ConnectOptions): Promise<boolean>;
  disconnect(node: NodeName): boolean;
  ping(node: NodeName, options?: CallOptions): Promise<'pong' | 'pang'>;
  /** visible connected nodes; with hidden: true, hidden ones as well */
  nodes(options?: { hidden?: boolean }): NodeName[];
  /** `host:port` a connected peer listens on, as it advertised in the handshake */
  addressOf(node: NodeName): string | undefined;

  /** like :net_kernel.monitor_nodes(true); returns an unsubscribe function */
  monitorNodes(listener: (event: MembershipEvent) => void): () => void;

  register(name: string, handler: MessageHandler): void;
  unregister(name: string): void;
  registeredNames(): string[];
  /** fire and forget; unknown names are dropped on the receiver and counted */
  send(to: Destination, message: Payload, options?: SendOptions): void;
  monitor(target: Destination, onDown: (reason: DownReason) => void): MonitorRef;
  demonitor(ref: MonitorRef): void;

  /** add a handler to the RPC allowlist */
  handle(name: string, handler: RpcHandler): void;
  call(node: NodeName, handler: string, args: Payload, options?: CallOptions): Promise<Payload>;
  cast(node: NodeName, handler: string, args: Payload): void;
  multicall(
    nodes: readonly NodeName[],
    handler: string,
    args: Payload,
    options?: CallOptions,
  ): Promise<MulticallResult>;

  readonly instrumentation: Instrumentation;
  readonly faults: FaultControl;
  /** counters such as dropped messages to unknown names */
  stats(): Record<string, number>;

  close(): Promise<void>;
}

/**
 * Stable codes of the errors the runtime raises (one class per code lives in `errors.ts`).
 * Errors that cross the wire are serialized as `{ code, message, data }` and revived.
 */
export type ClusterErrorCode =
  | 'timeout'
  | 'no_such_handler'
  | 'noconnection'
  | 'remote_exception'
  | 'aborted'
  | 'protocol_error'
  | 'handshake_failed'
  | 'bad_argument'
  | 'message_too_large'
  | 'not_fully_connected';
