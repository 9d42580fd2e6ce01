import type {
  CallOptions,
  Channel,
  ClusterNode,
  ConnectOptions,
  Destination,
  DownReason,
  MembershipEvent,
  MessageHandler,
  MonitorRef,
  MulticallResult,
  NodeDownReason,
  NodeName,
  NodeOptions,
  Payload,
  RpcHandler,
  SendOptions,
} from './api.ts';
import { Connection, type ConnectionConfig, type ConnectionHost } from './connection.ts';
import { admitClaimed, admitProven, type AdmissionView } from './admission.ts';
import { dispatchFrame, type DispatchTarget } from './dispatch.ts';
import { BadArgumentError, NoConnectionError } from './errors.ts';
import { Faults } from './faults.ts';
import type * as hs from './handshake.ts';
import { Hooks } from './instrumentation.ts';
import { Monitors } from './monitors.ts';
import { Rpc } from './rpc.ts';
import { certifiedFor, listen, type Listener } from './transport.ts';
import { Kind, channelOf } from './wire/kinds.ts';
import type { BodyReader } from './wire/reader.ts';
import { Stats } from './stats.ts';
import { encodeRpc, encodeSend } from './encode-data.ts';
import { Pings } from './pings.ts';
import { LinkTable } from './link-table.ts';
import { controlBody } from './wire/control.ts';
import { DEFAULT_CONNECT_ALL } from './constants.ts';

/**
 * The node: a listener, a table of links by peer name, and the services on top (named send,
 * monitors, RPC, mesh). Connections do framing, handshake and heartbeat; this class decides
 * who may connect and what a frame means.
 */
export class Node implements ClusterNode, ConnectionHost {
  readonly name: NodeName;
  readonly hidden: boolean;
  readonly connectAll: boolean;
  readonly address: { host: string; port: number };
  readonly instrumentation: Hooks;
  readonly faults: Faults;
  readonly config: ConnectionConfig;
  private readonly tlsOptions: NodeOptions['tls'];
  private listener: Listener | null = null;
  private readonly table: LinkTable;
  private readonly links: Map<NodeName, Connection>;
  private readonly names = new Map<string, MessageHandler>();
  private readonly pings: Pings;
  private closing = false;
  readonly challenges = new Set<string>();
  private readonly counters = new Stats();
  private readonly rpc: Rpc;
  private readonly monitors: Monitors;
  private readonly dispatch: DispatchTarget;

  constructor(options: NodeOptions, config: ConnectionConfig, host: string) {
    this.name = config.name;
    this.hidden = options.hidden ?? false;
    this.connectAll = options.connectAll ?? DEFAULT_CONNECT_ALL;
    this.config = config;
    this.tlsOptions = options.tls;
    this.address = { host, port: 0 };
    this.instrumentation = new Hooks(config.logger);
    this.pings = new Pings(config.clock);
    this.table = new LinkTable({
      name: this.name,
      hidden: this.hidden,
      connectAll: this.connectAll,
      config,
      tls: options.tls,
      instrumentation: this.instrumentation,
      isClosing: () => this.closing,
      count: (stat) => this.counters.add(stat, 1),
      newConnection: (socket, initiator, expected) =>
        new Connection(this, socket, initiator, expected),
      peerDown: (peer) => {
        this.rpc.peerDown(peer);
        this.monitors.peerDown(peer);
        this.pings.fail(peer);
      },
    });
    this.links = this.table.links;
    this.faults = new Faults((peer) => {
      for (const c of this.table.conns)
        if (peer === undefined || c.peer === peer) c.refreshFaults();
    });
    const port = {
      self: this.name,
      clock: config.clock,
      isConnected: (n: NodeName) => this.links.has(n),
      warn: (msg: string, data: Record<string, unknown>) => config.logger.warn(msg, data),
    };
    this.rpc = new Rpc({
      ...port,
      hasRpcListeners: () => this.instrumentation.hasRpc,
      emitRpc: (e) => this.instrumentation.emitRpc(e),
      sendCall: (n, id, h, args) => {
        if (!this.sendRpc(n, Kind.RPC_CALL, id, h, args))
          throw new NoConnectionError(`not connected to ${n}`);
      },
      sendCast: (n, h, args) => void this.sendRpc(n, Kind.RPC_CAST, -1, h, args),
      sendReply: (n, id, v) => this.sendRpc(n, Kind.RPC_REPLY, id, null, v),
      sendError: (n, id, e) => this.sendRpc(n, Kind.RPC_ERROR, id, null, e),
      sendCancel: (n, id) => this.control(n, Kind.RPC_CANCEL, controlBody(id)),
    });
    this.monitors = new Monitors({
      ...port,
      isRegistered: (name) => this.names.has(name),
      sendMonitor: (n, ref, name) => this.control(n, Kind.MONITOR, controlBody(ref, name)),
      sendDemonitor: (n, ref) => this.control(n, Kind.DEMONITOR, controlBody(ref)),
      sendDown: (n, ref, reason) => this.control(n, Kind.MONITOR_DOWN, controlBody(ref, reason)),
    });
    this.dispatch = {
      counters: this.counters,
      instrumentation: this.instrumentation,
      rpc: this.rpc,
      monitors: this.monitors,
      deliver: (name, message, from) => this.deliver(name, message, from),
      pong: (id) => this.pings.pong(id),
      disconnected: (conn) => {
        conn.destroy();
        this.down(conn, 'disconnect');
      },
      meshPeers: (conn, peers) => this.table.meshPeers(conn, peers),
    };
  }

  /** Listens; the advertised `addr` is known only once the port is resolved. */
  async start(port: number): Promise<void> {
    this.listener = await listen(this.address.host, port, this.tlsOptions, (s) =>
      this.table.accept(s),
    );
    this.address.port = this.listener.port;
    this.config.addr = `${this.address.host}:${this.listener.port}`;
  }

  // ---- membership ------------------------------------------------------------------------

  async connect(target: string, options?: ConnectOptions): Promise<boolean> {
    const outcome = await this.table.connect(target, options?.signal);
    if (outcome === true) return true;
    options?.onFailure?.(outcome);
    return false;
  }

  disconnect(node: NodeName): boolean {
    const conn = this.links.get(node);
    if (conn === undefined) return false;
    conn.sendControl(Kind.DISCONNECT);
    conn.end();
    this.down(conn, 'disconnect');
    return true;
  }

  async ping(node: NodeName, options?: CallOptions): Promise<'pong' | 'pang'> {
    if (node === this.name) return 'pong';
    if (!this.links.has(node)) {
      const target = this.table.reconnectTarget(node);
      if (target === undefined || !(await this.connect(target))) return 'pang';
    }
    return this.pings.start(node, (id) => this.control(node, Kind.PING, controlBody(id)), options);
  }

  nodes(options?: { hidden?: boolean }): NodeName[] {
    return this.table.nodes(options?.hidden === true);
  }

  addressOf(node: NodeName): string | undefined {
    return this.links.get(node)?.peerAddr;
  }

  monitorNodes(listener: (event: MembershipEvent) => void): () => void {
    return this.table.monitorNodes(listener);
  }

  // ---- named endpoints -------------------------------------------------------------------

  register(name: string, handler: MessageHandler): void {
    if (name.length === 0 || Buffer.byteLength(name) > 255)
      throw new BadArgumentError('name must be 1–255 bytes');
    if (this.names.has(name))
      throw new BadArgumentError(`name ${JSON.stringify(name)} is already registered`);
    this.names.set(name, handler);
  }

  unregister(name: string): void {
    if (this.names.delete(name)) this.monitors.unregistered(name);
  }

  registeredNames(): string[] {
    return [...this.names.keys()];
  }

  send(to: Destination, message: Payload, options?: SendOptions): void {
    if (to.node === this.name) {
      queueMicrotask(() => this.deliver(to.name, message, this.name));
      return;
    }
    const conn = this.links.get(to.node);
    if (conn === undefined) {
      this.counters.dropped_noconnection++;
      return;
    }
    const channel = options?.channel ?? '';
    const size = encodeSend(conn, to.name, channel, message);
    this.counters.sent++;
    // a fragmented message (size < 0) is reported fragment by fragment as it leaves
    if (this.instrumentation.hasFrame && size > 0)
      this.instrumentation.emitFrame(to.node, channel || 'send', 'out', size);
  }

  monitor(target: Destination, onDown: (reason: DownReason) => void): MonitorRef {
    return this.monitors.monitor(target, onDown);
  }

  demonitor(ref: MonitorRef): void {
    this.monitors.demonitor(ref);
  }

  // ---- RPC -------------------------------------------------------------------------------

  handle(name: string, handler: RpcHandler): void {
    this.rpc.handle(name, handler);
  }

  call(node: NodeName, handler: string, args: Payload, options?: CallOptions): Promise<Payload> {
    return this.rpc.call(node, handler, args, options);
  }

  cast(node: NodeName, handler: string, args: Payload): void {
    this.rpc.cast(node, handler, args);
  }

  async multicall(
    nodes: readonly NodeName[],
    handler: string,
    args: Payload,
    options?: CallOptions,
  ): Promise<MulticallResult> {
    const results: Record<NodeName, Payload> = {};
    const badNodes: NodeName[] = [];
    await Promise.all(
      nodes.map((n) =>
        this.rpc.call(n, handler, args, options).then(
          (v) => void (results[n] = v),
          () => void badNodes.push(n),
        ),
      ),
    );
    return { results, badNodes };
  }

  stats(): Record<string, number> {
    return this.counters.snapshot();
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const c of [...this.table.conns]) {
      if (c.isUp) {
        c.destroy();
        this.down(c, 'shutdown');
      } else {
        c.destroy();
        this.handshakeFailed(c, 'shutdown');
      }
    }
    this.rpc.closeAll();
    this.monitors.closeAll();
    this.pings.fail();
    await this.listener?.close();
    this.table.clearListeners();
    this.instrumentation.clear();
  }

  // ---- ConnectionHost --------------------------------------------------------------------

  // Under TLS a peer may only claim a name its certificate was issued for (both directions).
  admitClaimed(
    conn: Connection,
    peer: NodeName,
    dialedByName: boolean,
  ): hs.RejectReason | 'already' | null {
    if (!certifiedFor(conn.socket, peer)) return 'bad_name';
    return admitClaimed(this.admissionView(), conn, peer, dialedByName);
  }

  admitProven(conn: Connection, peer: NodeName): hs.RejectReason | null {
    return admitProven(this.admissionView(), conn, peer);
  }

  handshakeDone(conn: Connection): void {
    this.table.handshakeDone(conn);
  }

  handshakeFailed(conn: Connection, reason: string, rejectedWith?: hs.RejectReason): void {
    this.table.handshakeFailed(conn, reason, rejectedWith);
  }

  down(conn: Connection, reason: NodeDownReason): void {
    this.table.down(conn, reason);
  }

  isBlackholed(peer: NodeName): boolean {
    return this.faults.isBlackholed(peer);
  }
  latencyOf(peer: NodeName) {
    return this.faults.latencyOf(peer);
  }
  count(stat: string, n = 1): void {
    this.counters.add(stat, n);
  }
  controlSent(conn: Connection, kind: number, bytes: number): void {
    if (this.instrumentation.hasFrame && conn.peer !== undefined)
      this.instrumentation.emitFrame(conn.peer, channelOf(kind) ?? 'mesh', 'out', bytes);
  }

  tickHeard(conn: Connection): void {
    if (this.instrumentation.hasFrame) this.instrumentation.emitFrame(conn.peer!, 'tick', 'in', 5);
  }

  frame(conn: Connection, kind: number, r: BodyReader, bytes: number): void {
    dispatchFrame(this.dispatch, conn, kind, r, bytes);
  }

  fragment(conn: Connection, channel: string, direction: 'in' | 'out', bytes: number): void {
    if (this.instrumentation.hasFrame && conn.peer !== undefined)
      this.instrumentation.emitFrame(conn.peer, channel as Channel, direction, bytes);
  }

  // ---- internals -------------------------------------------------------------------------

  /**
   * Encodes one RPC frame straight into the link's slab; false when `node` is not linked.
   * Throws BadArgumentError when the payload cannot be encoded.
   */
  private sendRpc(
    node: NodeName,
    kind: number,
    id: number,
    handler: string | null,
    payload: Payload | object,
  ): boolean {
    const conn = this.links.get(node);
    if (conn === undefined) return false;
    const size = encodeRpc(conn, kind, id, handler, payload);
    if (this.instrumentation.hasFrame && size > 0)
      this.instrumentation.emitFrame(node, 'rpc', 'out', size);
    return true;
  }

  /** Queues a control frame to a linked node; false if not linked. */
  private control(node: NodeName, kind: number, body: Uint8Array): boolean {
    const conn = this.links.get(node);
    if (conn === undefined) return false;
    conn.sendControl(kind, body);
    return true;
  }

  private deliver(name: string, message: Payload, from: NodeName): void {
    const h = this.names.get(name);
    if (h === undefined) {
      this.counters.dropped_unknown_name++;
      return;
    }
    try {
      h(message, from);
    } catch (err) {
      this.counters.handler_errors++;
      this.config.logger.error('message handler threw', { name, error: String(err) });
    }
  }

  private admissionView(): AdmissionView {
    const { conns, links, connecting } = this.table;
    return { self: this.name, closing: this.closing, conns, links, connecting };
  }
}
