import type { MembershipEvent, NodeDownReason, NodeName, TlsOptions } from './api.ts';
import type { Connection, ConnectionConfig } from './connection.ts';
import type * as hs from './handshake.ts';
import { keepOutgoingOnSimultaneous } from './handshake.ts';
import type { Hooks } from './instrumentation.ts';
import type { MeshPeer } from './mesh.ts';
import { dial, type Socket } from './transport.ts';
import { UpWaiters } from './waiters.ts';
import { Kind } from './wire/kinds.ts';
import { parseTarget } from './target.ts';

/** How a connect ended: true once the link is up, else why it is not (for logs and debuggers). */
export type ConnectOutcome = true | string;

const SHUTTING_DOWN = 'this node is shutting down';

/** What the link table needs from its node. */
export interface LinkTableHost {
  readonly name: NodeName;
  readonly hidden: boolean;
  /** join the full mesh: tell links of each other, dial what they tell */
  readonly connectAll: boolean;
  readonly config: ConnectionConfig;
  readonly tls: TlsOptions | undefined;
  readonly instrumentation: Hooks;
  isClosing(): boolean;
  /** a connection on a fresh socket, with the node as its host */
  newConnection(socket: Socket, initiator: boolean, expected?: NodeName): Connection;
  /** adds one to a counter of `stats()` */
  count(stat: string): void;
  /** the link to `peer` is gone: fail what waits on it (calls, monitors, pings) */
  peerDown(peer: NodeName): void;
}

/**
 * Every socket of a node and the links by peer name: dialing (one dial per named peer at a
 * time), handshake outcomes, nodeup/nodedown with their listeners, and the mesh (a new visible
 * link is told our visible peers, and we dial at once, in parallel, the peers we are told of).
 */
export class LinkTable {
  readonly conns = new Set<Connection>();
  readonly links = new Map<NodeName, Connection>();
  private readonly outResolvers = new Map<Connection, (outcome: ConnectOutcome) => void>();
  private readonly dialing = new Map<NodeName, Promise<ConnectOutcome>>();
  /** names our dials are opening a socket to, before their connection exists (admission) */
  readonly connecting = new Set<NodeName>();
  /** dials deferred until an incoming handshake ends (see `dialAfterClaim`), by that connection */
  private readonly claimEnds = new Map<Connection, Array<() => void>>();
  private readonly knownAddr = new Map<NodeName, string>();
  private readonly membership = new Set<(e: MembershipEvent) => void>();
  readonly waiters: UpWaiters;

  constructor(private readonly host: LinkTableHost) {
    this.waiters = new UpWaiters(host.config.clock, host.config.handshakeTimeoutMs, (n) =>
      this.links.has(n),
    );
  }

  connect(target: string, signal?: AbortSignal): Promise<ConnectOutcome> {
    const t = parseTarget(target);
    if (t.name === this.host.name) return Promise.resolve(true);
    if (this.host.isClosing()) return Promise.resolve(SHUTTING_DOWN);
    const name = t.name;
    if (name === undefined) return this.dial(t.host, t.port, undefined, signal);
    if (this.links.has(name)) return Promise.resolve(true);
    const inFlight = this.dialing.get(name);
    if (inFlight !== undefined) return inFlight;
    if (this.handshaking(name)) return this.waitFor(name, 'its incoming handshake did not finish');
    const p = this.dialAfterClaim(t.host, t.port, name, signal).finally(() =>
      this.dialing.delete(name),
    );
    this.dialing.set(name, p);
    return p;
  }

  /**
   * Dials `name`, unless an incoming handshake already claims that name: then it first waits for
   * that handshake to end. In a forming mesh such a claim is nearly always the peer dialing us
   * at the same moment, and a second socket would only run a handshake for arbitration to refuse
   * (a fifth more handshakes, and CPU, in a 16-node mesh). The claim is unproven, so it only
   * defers the dial: unless it ends with the link up, we dial. A stranger claiming the name
   * delays this dial by at most one handshake timeout; it cannot keep two members apart.
   */
  private async dialAfterClaim(
    host: string,
    port: number,
    name: NodeName,
    signal?: AbortSignal,
  ): Promise<ConnectOutcome> {
    const claim = this.incomingClaim(name);
    if (claim !== undefined) {
      await this.handshakeEnd(claim);
      if (this.links.has(name)) return true;
      if (this.host.isClosing()) return SHUTTING_DOWN;
    }
    return this.dial(host, port, name, signal);
  }

  private incomingClaim(name: NodeName): Connection | undefined {
    for (const c of this.conns)
      if (!c.initiator && c.state === 'handshake' && c.peer === name) return c;
    return undefined;
  }

  /** Resolves when `conn`'s handshake ends, either way (its own timeout bounds the wait). */
  private handshakeEnd(conn: Connection): Promise<void> {
    return new Promise((resolve) => {
      const ends = this.claimEnds.get(conn);
      if (ends === undefined) this.claimEnds.set(conn, [resolve]);
      else ends.push(resolve);
    });
  }

  private settleClaim(conn: Connection): void {
    const ends = this.claimEnds.get(conn);
    if (ends === undefined) return;
    this.claimEnds.delete(conn);
    for (const end of ends) end();
  }

  /** `name@host:port` of a peer we were linked to, to reconnect (as `ping` does) */
  reconnectTarget(peer: NodeName): string | undefined {
    const addr = this.knownAddr.get(peer);
    return addr === undefined ? undefined : `${peer.split('@')[0]}@${addr}`;
  }

  accept(socket: Socket): void {
    if (this.host.isClosing()) {
      socket.destroy();
      return;
    }
    const refusal = this.pendingLimit(socket.remoteAddress ?? '');
    if (refusal !== null) {
      this.host.config.logger.debug('incoming connection refused', { reason: refusal });
      this.host.count('handshakes_refused_busy');
      socket.destroy();
      return;
    }
    this.host.count('connections_accepted');
    this.conns.add(this.host.newConnection(socket, false));
  }

  /**
   * Why a new incoming connection must be refused at once, or null: too many incoming handshakes
   * in all, or from this address. Strangers can hold a handshake open only until the handshake
   * timeout, with at most `maxPreauthBytes` each, so these caps bound what they can cost.
   */
  private pendingLimit(address: string): string | null {
    const { maxPendingHandshakes, maxPendingHandshakesPerAddress } = this.host.config;
    let total = 0;
    let fromAddress = 0;
    for (const c of this.conns) {
      if (c.initiator || c.state !== 'handshake') continue;
      total++;
      if (c.remoteAddress === address) fromAddress++;
    }
    if (total >= maxPendingHandshakes) return `${total} handshakes pending`;
    if (fromAddress >= maxPendingHandshakesPerAddress)
      return `${fromAddress} handshakes pending from ${address}`;
    return null;
  }

  nodes(hiddenToo: boolean): NodeName[] {
    const out: NodeName[] = [];
    for (const [name, c] of this.links) if (hiddenToo || !this.isHiddenLink(c)) out.push(name);
    return out;
  }

  monitorNodes(listener: (event: MembershipEvent) => void): () => void {
    this.membership.add(listener);
    return () => this.membership.delete(listener);
  }

  clearListeners(): void {
    this.membership.clear();
  }

  isHiddenLink(c: Connection): boolean {
    return this.host.hidden || c.peerHidden;
  }

  handshakeDone(conn: Connection): void {
    const peer = conn.peer!;
    this.settleClaim(conn); // its waiters resume after this turn, and see what it left
    const linked = this.links.get(peer);
    if (linked !== undefined && !this.host.isClosing() && conn.initiator !== linked.initiator) {
      // Both ends proved the cookie on two sockets at once, and each took up one of them. Both
      // keep the one dialed by the greater name, quietly (no nodedown, no nodeup). Only the
      // greater name closes the other socket, when its own dial is up: an acceptor is up one
      // message (the ACK) before its initiator, so by then the smaller name has the kept
      // socket up too. The smaller name leaves the other socket to the peer to close, whether
      // it swaps or not: until the peer's dial is up, that socket is the peer's link, and
      // closing it was a nodedown and a nodeup at the peer (hundreds in a 100-node start).
      const r = this.outResolvers.get(conn);
      this.outResolvers.delete(conn);
      r?.(true);
      const other = this.replaces(conn, linked) ? linked : conn;
      if (other === linked) this.links.set(peer, conn);
      if (other === linked && conn.initiator) {
        this.conns.delete(linked);
        linked.destroy();
      } else {
        const { clock, handshakeTimeoutMs } = this.host.config;
        clock.setTimeout(() => other.state !== 'closed' && other.destroy(), handshakeTimeoutMs);
      }
      return;
    }
    if (linked !== undefined || this.host.isClosing()) {
      conn.destroy();
      this.handshakeFailed(conn, 'already connected');
      return;
    }
    this.links.set(peer, conn);
    this.knownAddr.set(peer, conn.peerAddr);
    const hidden = this.isHiddenLink(conn);
    const { config, instrumentation } = this.host;
    const at = config.clock.now();
    // tell the new peer who else is here first, so that its dials start as early as possible
    if (!hidden && this.host.connectAll) {
      const peers: MeshPeer[] = [];
      for (const [n, c] of this.links)
        if (n !== peer && !this.isHiddenLink(c)) peers.push({ name: n, addr: c.peerAddr });
      conn.sendControl(Kind.MESH_PEERS, JSON.stringify(peers));
    }
    config.logger.info('nodeup', { node: peer, hidden });
    this.emitMembership({ event: 'nodeup', node: peer, hidden, at });
    if (instrumentation.hasLink) instrumentation.emitLink({ peer, state: 'up', hidden, at });
    const r = this.outResolvers.get(conn);
    this.outResolvers.delete(conn);
    r?.(true);
    this.waiters.wake(peer, true);
  }

  handshakeFailed(conn: Connection, reason: string, rejectedWith?: hs.RejectReason): void {
    this.conns.delete(conn);
    this.settleClaim(conn);
    const r = this.outResolvers.get(conn);
    if (r === undefined) return;
    this.outResolvers.delete(conn);
    // whom this connect reached: the name we dialed, or one the peer proved; a name a stranger
    // merely claims must never turn a failed connect into "linked already"
    const peer = conn.expectedPeer ?? (conn.proven ? conn.peer : undefined);
    const { config, instrumentation } = this.host;
    if (peer !== undefined && instrumentation.hasLink && !this.links.has(peer))
      instrumentation.emitLink({
        peer,
        state: 'down',
        hidden: this.host.hidden,
        at: config.clock.now(),
      });
    if (
      peer !== undefined &&
      !this.host.isClosing() &&
      (rejectedWith === 'simultaneous' || reason === 'already connected')
    ) {
      // the other connection between us wins; report its outcome
      if (this.links.has(peer)) r(true);
      else void this.waitFor(peer, 'the other connection between us did not come up').then(r);
      return;
    }
    if (peer !== undefined && this.links.has(peer)) return r(true);
    config.logger.info('connect failed', { peer, reason });
    r(reason);
  }

  down(conn: Connection, reason: NodeDownReason): void {
    this.conns.delete(conn);
    const peer = conn.peer;
    if (peer === undefined || this.links.get(peer) !== conn) return;
    this.links.delete(peer);
    const hidden = this.isHiddenLink(conn);
    const { config, instrumentation } = this.host;
    const at = config.clock.now();
    const quiet = reason === 'shutdown' || reason === 'disconnect';
    config.logger[quiet ? 'info' : 'warn']('nodedown', { node: peer, reason });
    this.host.peerDown(peer);
    this.emitMembership({ event: 'nodedown', node: peer, hidden, reason, at });
    if (instrumentation.hasLink)
      instrumentation.emitLink({ peer, state: 'down', hidden, reason, at });
  }

  /** Dials, at once and in parallel, each advertised peer we have no link or dial to. */
  meshPeers(conn: Connection, peers: MeshPeer[]): void {
    if (this.host.hidden || !this.host.connectAll || this.isHiddenLink(conn)) return;
    for (const p of peers) {
      if (p.name === this.host.name || this.links.has(p.name) || this.dialing.has(p.name)) continue;
      void this.connect(`${p.name.split('@')[0]}@${p.addr}`);
    }
  }

  private async dial(
    host: string,
    port: number,
    expected: NodeName | undefined,
    signal?: AbortSignal,
  ): Promise<ConnectOutcome> {
    const { config, instrumentation } = this.host;
    if (expected !== undefined && instrumentation.hasLink)
      instrumentation.emitLink({
        peer: expected,
        state: 'connecting',
        hidden: this.host.hidden,
        at: config.clock.now(),
      });
    let socket: Socket;
    if (expected !== undefined) this.connecting.add(expected);
    try {
      socket = await dial(host, port, this.host.tls, signal);
    } catch (err) {
      config.logger.debug('connect failed', { host, port, error: String(err) });
      return err instanceof Error ? err.message : String(err);
    } finally {
      if (expected !== undefined) this.connecting.delete(expected);
    }
    if (this.host.isClosing()) {
      socket.destroy();
      return SHUTTING_DOWN;
    }
    return new Promise<ConnectOutcome>((resolve) => {
      this.host.count('connections_dialed');
      const conn = this.host.newConnection(socket, true, expected);
      this.conns.add(conn);
      this.outResolvers.set(conn, resolve);
      signal?.addEventListener('abort', () => conn.fail('connection_closed', 'aborted'), {
        once: true,
      });
    });
  }

  private async waitFor(peer: NodeName, otherwise: string): Promise<ConnectOutcome> {
    return (await this.waiters.wait(peer)) || otherwise;
  }

  /** whether one of our own dials to `peer` is in handshake (incoming ones are only claims) */
  private handshaking(peer: NodeName): boolean {
    for (const c of this.conns)
      if (c.initiator && c.expectedPeer === peer && c.state === 'handshake') return true;
    return false;
  }

  /**
   * A proven connection to a peer we are linked to already, one of them ours: the new one
   * replaces the link when it is our outgoing one and we have the greater name (the same rule
   * as for simultaneous connects, seen from both ends).
   */
  private replaces(conn: Connection, linked: Connection): boolean {
    if (conn.initiator === linked.initiator) return false;
    const keepOutgoing = keepOutgoingOnSimultaneous(this.host.name, conn.peer!);
    return conn.initiator === keepOutgoing;
  }

  private emitMembership(e: MembershipEvent): void {
    for (const l of this.membership) {
      try {
        l(e);
      } catch (err) {
        this.host.config.logger.error('membership listener threw', { error: String(err) });
      }
    }
  }
}
