import type {
  CallOptions,
  Channel,
  ClusterNode,
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
import { DEFAULT_CALL_TIMEOUT_MS, EXTERNAL_PAYLOAD_MIN_BYTES } from './constants.ts';
import { Connection, type ConnectionConfig, type ConnectionHost } from './connection.ts';
import { admitChallenge, admitHello, type AdmissionView } from './admission.ts';
import { dispatchFrame, type DispatchTarget } from './dispatch.ts';
import { BadArgumentError, NoConnectionError } from './errors.ts';
import { Faults } from './faults.ts';
import type * as hs from './handshake.ts';
import { Hooks } from './instrumentation.ts';
import type { MeshPeer } from './mesh.ts';
import { Monitors } from './monitors.ts';
import { Rpc } from './rpc.ts';
import { dial, listen, type Listener, type Socket } from './transport.ts';
import { Kind, channelOf } from './wire/kinds.ts';
import { PayloadTag } from './wire/payload.ts';
import type { BodyReader } from './wire/reader.ts';
import { Stats } from './stats.ts';
import { parseTarget } from './target.ts';
import { controlBody } from './wire/control.ts';

/**
 * The node: a listener, a table of links by peer name, and the services on top (named send,
 * monitors, RPC, mesh). Connections do framing, handshake and heartbeat; this class decides
 * who may connect and what a frame means.
 */
export class Node implements ClusterNode, ConnectionHost {
  readonly name: NodeName;
  readonly hidden: boolean;
  readonly address: { host: string; port: number };
  readonly instrumentation: Hooks;
  readonly faults: Faults;
  readonly config: ConnectionConfig;
  private readonly tlsOptions: NodeOptions['tls'];
  private listener: Listener | null = null;
  private readonly conns = new Set<Connection>();
  private readonly links = new Map<NodeName, Connection>();
  private readonly outResolvers = new Map<Connection, (ok: boolean) => void>();
  private readonly upWaiters = new Map<NodeName, Set<(ok: boolean) => void>>();
  private readonly dialing = new Map<NodeName, Promise<boolean>>();
  private readonly knownAddr = new Map<NodeName, string>();
  private readonly membership = new Set<(e: MembershipEvent) => void>();
  private readonly names = new Map<string, MessageHandler>();
  private readonly pings = new Map<
    number,
    { peer: NodeName; finish: (r: 'pong' | 'pang') => void }
  >();
  private nextPing = 1;
  private closing = false;
  private readonly counters = new Stats();
  private readonly rpc: Rpc;
  private readonly monitors: Monitors;
  private readonly dispatch: DispatchTarget;

  constructor(options: NodeOptions, config: ConnectionConfig, host: string) {
    this.name = config.name;
    this.hidden = options.hidden ?? false;
    this.config = config;
    this.tlsOptions = options.tls;
    this.address = { host, port: 0 };
    this.instrumentation = new Hooks(config.logger);
    this.faults = new Faults((peer) => {
      for (const c of this.conns) if (peer === undefined || c.peer === peer) c.refreshFaults();
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
      sendCall: (n, id, h, args) => this.sendData(n, Kind.RPC_CALL, 'rpc', id, h, args),
      sendCast: (n, h, args) => this.sendData(n, Kind.RPC_CAST, 'rpc', -1, h, args),
      sendReply: (n, id, v) => this.sendData(n, Kind.RPC_REPLY, 'rpc', id, null, v),
      sendError: (n, id, e) => this.sendData(n, Kind.RPC_ERROR, 'rpc', id, null, e),
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
      pong: (id) => this.pings.get(id)?.finish('pong'),
      disconnected: (conn) => {
        conn.destroy();
        this.down(conn, 'disconnect');
      },
      meshPeers: (conn, peers) => this.meshPeers(conn, peers),
    };
  }

  /** Listens; the advertised `addr` is known only once the port is resolved. */
  async start(port: number): Promise<void> {
    this.listener = await listen(this.address.host, port, this.tlsOptions, (s) => this.accept(s));
    this.address.port = this.listener.port;
    this.config.addr = `${this.address.host}:${this.listener.port}`;
  }

  // ---- membership ------------------------------------------------------------------------

  async connect(target: string, options?: { signal?: AbortSignal }): Promise<boolean> {
    const t = parseTarget(target);
    if (t.name === this.name) return true;
    if (this.closing) return false;
    if (t.name !== undefined) {
      if (this.links.has(t.name)) return true;
      const inFlight = this.dialing.get(t.name);
      if (inFlight !== undefined) return inFlight;
      if (this.handshaking(t.name)) return this.waitUp(t.name);
      const p = this.dial(t.host, t.port, t.name, options?.signal).finally(() =>
        this.dialing.delete(t.name!),
      );
      this.dialing.set(t.name, p);
      return p;
    }
    return this.dial(t.host, t.port, undefined, options?.signal);
  }

  private async dial(
    host: string,
    port: number,
    expected: NodeName | undefined,
    signal?: AbortSignal,
  ): Promise<boolean> {
    let socket: Socket;
    if (expected !== undefined && this.instrumentation.hasLink)
      this.instrumentation.emitLink({
        peer: expected,
        state: 'connecting',
        hidden: this.hidden,
        at: this.config.clock.now(),
      });
    try {
      socket = await dial(host, port, this.tlsOptions, signal);
    } catch (err) {
      this.config.logger.debug('connect failed', { host, port, error: String(err) });
      return false;
    }
    if (this.closing) {
      socket.destroy();
      return false;
    }
    return new Promise<boolean>((resolve) => {
      const conn = new Connection(this, socket, true, expected);
      this.conns.add(conn);
      this.outResolvers.set(conn, resolve);
      signal?.addEventListener('abort', () => conn.fail('connection_closed', 'aborted'), {
        once: true,
      });
    });
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.conns.add(new Connection(this, socket, false));
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
      const addr = this.knownAddr.get(node);
      if (addr === undefined || !(await this.connect(`${node.split('@')[0]}@${addr}`)))
        return 'pang';
    }
    const id = this.nextPing++;
    return new Promise((resolve) => {
      const timer = this.config.clock.setTimeout(
        () => finish('pang'),
        options?.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
      );
      const onAbort = (): void => finish('pang');
      options?.signal?.addEventListener('abort', onAbort, { once: true });
      const finish = (r: 'pong' | 'pang'): void => {
        if (!this.pings.delete(id)) return;
        this.config.clock.clearTimeout(timer);
        options?.signal?.removeEventListener('abort', onAbort);
        resolve(r);
      };
      this.pings.set(id, { peer: node, finish });
      if (!this.control(node, Kind.PING, controlBody(id))) finish('pang');
    });
  }

  nodes(options?: { hidden?: boolean }): NodeName[] {
    const out: NodeName[] = [];
    for (const [name, c] of this.links)
      if (options?.hidden === true || !this.isHiddenLink(c)) out.push(name);
    return out;
  }

  addressOf(node: NodeName): string | undefined {
    return this.links.get(node)?.peerAddr;
  }

  monitorNodes(listener: (event: MembershipEvent) => void): () => void {
    this.membership.add(listener);
    return () => this.membership.delete(listener);
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
    const enc = conn.outbound.encoder;
    const channel = options?.channel ?? '';
    enc.begin(Kind.SEND);
    let size: number;
    let fragmented: boolean;
    try {
      enc.shortStr(to.name);
      enc.shortStr(channel);
      if (message instanceof Uint8Array && message.length >= EXTERNAL_PAYLOAD_MIN_BYTES) {
        enc.u8(PayloadTag.BYTES);
        const head = enc.endExternal(message.length);
        fragmented = conn.outbound.dataEndedExternal(head, message, channel || 'send');
        size = head + message.length;
      } else {
        enc.payload(message);
        size = enc.end();
        fragmented = conn.outbound.dataEnded(size, channel || 'send');
      }
    } catch (err) {
      enc.abort();
      throw err;
    }
    this.counters.sent++;
    // a fragmented message is reported fragment by fragment as it leaves (see fragment())
    if (this.instrumentation.hasFrame && !fragmented)
      this.instrumentation.emitFrame({
        peer: to.node,
        channel: (channel || 'send'),
        direction: 'out',
        bytes: size,
      });
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
    for (const c of [...this.conns]) {
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
    for (const p of [...this.pings.values()]) p.finish('pang');
    await this.listener?.close();
    this.membership.clear();
    this.instrumentation.clear();
  }

  // ---- ConnectionHost --------------------------------------------------------------------

  admitHello(conn: Connection, hello: hs.Hello): hs.RejectReason | null {
    return admitHello(this.admissionView(), conn, hello.name);
  }

  admitChallenge(conn: Connection, peer: NodeName): hs.RejectReason | 'already' | null {
    return admitChallenge(this.admissionView(), conn, peer);
  }

  handshakeDone(conn: Connection): void {
    const peer = conn.peer!;
    if (this.links.has(peer) || this.closing) {
      conn.destroy();
      this.handshakeFailed(conn, 'already connected');
      return;
    }
    this.links.set(peer, conn);
    this.knownAddr.set(peer, conn.peerAddr);
    const hidden = this.isHiddenLink(conn);
    const at = this.config.clock.now();
    this.config.logger.info('nodeup', { node: peer, hidden });
    this.emitMembership({ event: 'nodeup', node: peer, hidden, at });
    if (this.instrumentation.hasLink)
      this.instrumentation.emitLink({ peer, state: 'up', hidden, at });
    const r = this.outResolvers.get(conn);
    this.outResolvers.delete(conn);
    r?.(true);
    this.wakeUp(peer, true);
    if (!hidden) {
      const peers: MeshPeer[] = [];
      for (const [n, c] of this.links)
        if (n !== peer && !this.isHiddenLink(c)) peers.push({ name: n, addr: c.peerAddr });
      conn.sendControl(Kind.MESH_PEERS, JSON.stringify(peers));
    }
  }

  handshakeFailed(conn: Connection, reason: string, rejectedWith?: hs.RejectReason): void {
    this.conns.delete(conn);
    const r = this.outResolvers.get(conn);
    if (r === undefined) return;
    this.outResolvers.delete(conn);
    const peer = conn.peer;
    if (peer !== undefined && this.instrumentation.hasLink && !this.links.has(peer))
      this.instrumentation.emitLink({
        peer,
        state: 'down',
        hidden: this.hidden,
        at: this.config.clock.now(),
      });
    if (
      peer !== undefined &&
      !this.closing &&
      (rejectedWith === 'simultaneous' || reason === 'already connected')
    ) {
      // the other connection between us wins; report its outcome
      if (this.links.has(peer)) r(true);
      else void this.waitUp(peer).then(r);
      return;
    }
    if (peer !== undefined && this.links.has(peer)) return r(true);
    this.config.logger.info('connect failed', { peer, reason });
    r(false);
  }

  down(conn: Connection, reason: NodeDownReason): void {
    this.conns.delete(conn);
    const peer = conn.peer;
    if (peer === undefined || this.links.get(peer) !== conn) return;
    this.links.delete(peer);
    const hidden = this.isHiddenLink(conn);
    const at = this.config.clock.now();
    this.config.logger[reason === 'shutdown' || reason === 'disconnect' ? 'info' : 'warn'](
      'nodedown',
      {
        node: peer,
        reason,
      },
    );
    this.rpc.peerDown(peer);
    this.monitors.peerDown(peer);
    for (const p of [...this.pings.values()]) if (p.peer === peer) p.finish('pang');
    this.emitMembership({ event: 'nodedown', node: peer, hidden, reason, at });
    if (this.instrumentation.hasLink)
      this.instrumentation.emitLink({ peer, state: 'down', hidden, reason, at });
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
      this.instrumentation.emitFrame({
        peer: conn.peer,
        channel: channelOf(kind) ?? 'mesh',
        direction: 'out',
        bytes,
      });
  }

  frame(conn: Connection, kind: number, r: BodyReader, bytes: number): void {
    dispatchFrame(this.dispatch, conn, kind, r, bytes);
  }

  fragment(conn: Connection, channel: string, direction: 'in' | 'out', bytes: number): void {
    if (this.instrumentation.hasFrame && conn.peer !== undefined)
      this.instrumentation.emitFrame({
        peer: conn.peer,
        channel: channel as Channel,
        direction,
        bytes,
      });
  }

  // ---- internals -------------------------------------------------------------------------

  private meshPeers(conn: Connection, peers: MeshPeer[]): void {
    if (this.hidden || this.isHiddenLink(conn)) return;
    for (const p of peers) {
      if (p.name === this.name || this.links.has(p.name) || this.dialing.has(p.name)) continue;
      void this.connect(`${p.name.split('@')[0]}@${p.addr}`);
    }
  }

  /** Encodes one data frame (rpc) straight into the link's slab. Throws if not connected. */
  private sendData(
    node: NodeName,
    kind: number,
    channel: Channel,
    id: number,
    handler: string | null,
    payload: Payload | object,
  ): void {
    const conn = this.links.get(node);
    if (conn === undefined) throw new NoConnectionError(`not connected to ${node}`);
    const enc = conn.outbound.encoder;
    enc.begin(kind);
    try {
      enc.u32(id < 0 ? 0 : id);
      enc.shortStr(handler ?? '');
      enc.payload(payload as Payload);
    } catch (err) {
      enc.abort();
      throw err;
    }
    const size = enc.end();
    const fragmented = conn.outbound.dataEnded(size, channel);
    if (this.instrumentation.hasFrame && !fragmented)
      this.instrumentation.emitFrame({ peer: node, channel, direction: 'out', bytes: size });
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
    return { self: this.name, closing: this.closing, conns: this.conns, links: this.links };
  }

  private isHiddenLink(c: Connection): boolean {
    return this.hidden || c.peerHidden;
  }

  private handshaking(peer: NodeName): boolean {
    for (const c of this.conns) if (c.peer === peer && c.state === 'handshake') return true;
    return false;
  }

  private waitUp(peer: NodeName): Promise<boolean> {
    if (this.links.has(peer)) return Promise.resolve(true);
    return new Promise((resolve) => {
      let set = this.upWaiters.get(peer);
      if (set === undefined) this.upWaiters.set(peer, (set = new Set()));
      const done = (ok: boolean): void => {
        this.config.clock.clearTimeout(timer);
        set.delete(done);
        resolve(ok);
      };
      const timer = this.config.clock.setTimeout(
        () => done(this.links.has(peer)),
        this.config.handshakeTimeoutMs,
      );
      set.add(done);
    });
  }

  private wakeUp(peer: NodeName, ok: boolean): void {
    const set = this.upWaiters.get(peer);
    if (set === undefined) return;
    this.upWaiters.delete(peer);
    for (const f of set) f(ok);
  }

  private emitMembership(e: MembershipEvent): void {
    for (const l of this.membership) {
      try {
        l(e);
      } catch (err) {
        this.config.logger.error('membership listener threw', { error: String(err) });
      }
    }
  }
}
