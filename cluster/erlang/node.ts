/**
 * A TypeScript node in an Erlang cluster: listens, registers with EPMD (or runs an embedded
 * one), accepts and dials distribution connections, and routes control messages to local
 * "processes" (mailboxes and the built-in services). Hidden by default, like a C or JInterface node.
 */
import { randomInt } from 'node:crypto';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import type { Clock, Instrumentation, Logger } from '../api.ts';
import { NoConnectionError, TimeoutError } from '../errors.ts';
import { Hooks } from '../instrumentation.ts';
import { DFLAG, OUR_FLAGS } from './constants.ts';
import { OP, type DistMessage } from './dist/control.ts';
import {
  DistConnection,
  SimultaneousConnectLost,
  type ConnectionContext,
  type DownReason,
} from './dist/connection.ts';
import { weKeepOurAttempt } from './dist/handshake.ts';
import {
  lookupNode,
  registerNode,
  type EpmdAddress,
  type EpmdRegistration,
} from './epmd/client.ts';
import { startEmbeddedEpmd, type EmbeddedEpmd } from './epmd/server.ts';
import { EpmdError, MalformedTermError } from './errors.ts';
import { ErlangFaults } from './faults.ts';
import { Mailbox, type SendTarget } from './mailbox.ts';
import { RpcTable } from './rpc.ts';
import type { Tuple } from './terms.ts';
import { Atom, Pid, Ref, atom, internAtoms, tuple, type Term } from './terms.ts';

/** A local process: something with a pid that messages can be delivered to. */
export interface LocalProcess {
  readonly pid: Pid;
  deliver(msg: Term, from?: Pid): void;
}

export interface NodeEvent {
  readonly event: 'nodeup' | 'nodedown';
  readonly node: string;
  readonly reason?: DownReason;
}

export interface ResolvedNodeOptions {
  readonly name: string;
  readonly cookie: string;
  readonly listenHost: string;
  readonly port: number;
  readonly epmd: EpmdAddress;
  readonly embeddedEpmd: boolean;
  readonly publish: boolean;
  readonly ticktimeMs: number;
  readonly hidden: boolean;
  readonly handshakeTimeoutMs: number;
  readonly maxFrameBytes: number;
  readonly maxTermDepth: number;
  readonly maxTermBytes: number;
  readonly logger: Logger;
  readonly clock: Clock;
}

interface RemoteMonitor {
  readonly ref: Ref;
  readonly watcher: Pid;
  /** what the watcher monitored: our pid, or our registered name */
  readonly target: Pid | Atom;
}

export class ErlangNodeCore {
  readonly hooks: Hooks;
  readonly rpc = new RpcTable();
  readonly faults = new ErlangFaults();
  creation = 0;
  private server: Server | undefined;
  private registration: EpmdRegistration | undefined;
  private embedded: EmbeddedEpmd | undefined;
  private readonly conns = new Map<string, DistConnection>();
  private readonly dialing = new Map<
    string,
    { promise: Promise<void>; socket?: Socket; lost: boolean }
  >();
  private readonly procs = new Map<string, LocalProcess>();
  private readonly names = new Map<string, LocalProcess>();
  private readonly links = new Map<string, Pid[]>();
  private readonly monitors = new Map<string, RemoteMonitor[]>();
  private readonly listeners = new Set<(e: NodeEvent) => void>();
  private readonly ctx: ConnectionContext;
  private nextId = 1;
  private refCounter = 1;
  private closing = false;
  readonly nameAtom: Atom;

  constructor(readonly opts: ResolvedNodeOptions) {
    this.hooks = new Hooks(opts.logger);
    // Node names are in every pid and reference: shared atoms save an allocation per pid decoded.
    internAtoms(opts.name);
    this.nameAtom = atom(opts.name);
    this.ctx = {
      name: opts.name,
      cookie: opts.cookie,
      flags: OUR_FLAGS | (opts.hidden ? 0n : DFLAG.PUBLISHED),
      creation: () => this.creation,
      ticktimeMs: opts.ticktimeMs,
      handshakeTimeoutMs: opts.handshakeTimeoutMs,
      maxFrameBytes: opts.maxFrameBytes,
      decode: { maxDepth: opts.maxTermDepth, maxTermBytes: opts.maxTermBytes },
      clock: opts.clock,
      logger: opts.logger,
      onFrame: (peer, channel, direction, bytes) => {
        if (this.hooks.hasFrame) this.hooks.emitFrame(peer, channel, direction, bytes);
      },
      admit: (peer) => this.admit(peer),
      faultsFor: this.faults.forPeer,
    };
  }

  get instrumentation(): Instrumentation {
    return this.hooks;
  }

  // ---- lifecycle ----

  async start(): Promise<void> {
    const server = createServer((socket) => this.onIncoming(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.listenHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const shortName = this.opts.name.split('@')[0]!;
    const entry = {
      name: shortName,
      port,
      nodeType: 77,
      protocol: 0,
      highestVersion: 6,
      lowestVersion: 6,
      extra: new Uint8Array(0),
    };
    if (!this.opts.publish) {
      // Not in EPMD: peers cannot dial us, but we can dial them (a shell, a client).
      this.creation = randomInt(1, 2 ** 31);
      return;
    }
    try {
      this.registration = await this.register(entry);
    } catch (error) {
      await this.close();
      throw error;
    }
    this.creation = this.registration.creation;
    this.registration.onLost(() =>
      this.opts.logger.warn('erlang: EPMD dropped our registration', { name: this.opts.name }),
    );
  }

  /** Registers with the EPMD at the configured port, starting an embedded one if none answers. */
  private async register(entry: Parameters<typeof registerNode>[1]): Promise<EpmdRegistration> {
    try {
      return await registerNode(this.opts.epmd, entry);
    } catch (error) {
      const refused =
        error instanceof EpmdError &&
        (error.cause as { code?: string } | undefined)?.code === 'ECONNREFUSED';
      if (!refused || !this.opts.embeddedEpmd) throw error;
    }
    try {
      this.embedded = await startEmbeddedEpmd({
        host: this.opts.epmd.host,
        port: this.opts.epmd.port,
        logger: this.opts.logger,
      });
      this.opts.logger.info('erlang: no EPMD answered; running an embedded one', {
        port: this.embedded.port,
      });
    } catch {
      // Another process started one between our attempt and now: use it.
    }
    return registerNode(this.opts.epmd, entry);
  }

  get listenPort(): number {
    const a = this.server?.address();
    return typeof a === 'object' && a !== null ? a.port : 0;
  }

  get embeddedEpmdPort(): number | undefined {
    return this.embedded?.port;
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const c of this.conns.values()) c.close('shutdown');
    for (const d of this.dialing.values()) d.socket?.destroy();
    this.registration?.close();
    await new Promise<void>((r) =>
      this.server === undefined ? r() : this.server.close(() => r()),
    );
    await this.embedded?.close();
  }

  // ---- membership ----

  onNodeEvent(listener: (e: NodeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Nodes with a connection up. */
  nodes(): string[] {
    return [...this.conns.keys()];
  }

  isConnected(node: string): boolean {
    return this.conns.has(node);
  }

  /** Dials `node` unless already connected; rejects if it cannot be reached or refuses us. */
  connect(node: string): Promise<void> {
    if (this.conns.has(node)) return Promise.resolve();
    const inFlight = this.dialing.get(node);
    if (inFlight !== undefined) return inFlight.promise;
    const entry: { promise: Promise<void>; socket?: Socket; lost: boolean } = {
      promise: Promise.resolve(),
      lost: false,
    };
    entry.promise = this.dial(node, entry).finally(() => {
      if (this.dialing.get(node) === entry) this.dialing.delete(node);
    });
    this.dialing.set(node, entry);
    return entry.promise;
  }

  private async dial(node: string, entry: { socket?: Socket; lost: boolean }): Promise<void> {
    const host = node.split('@')[1];
    if (host === undefined || node.split('@').length !== 2)
      throw new NoConnectionError(`bad node name ${JSON.stringify(node)}`);
    if (this.faults.isBlackholed(node)) {
      // A cut network: the attempt hears nothing and gives up after the handshake timeout.
      await new Promise((r) =>
        this.opts.clock.setTimeout(() => r(undefined), this.opts.handshakeTimeoutMs),
      );
      throw new NoConnectionError(`${node} did not answer (blackholed)`);
    }
    const found = await lookupNode({ ...this.opts.epmd, host }, node.split('@')[0]!);
    if (found === null) throw new NoConnectionError(`EPMD at ${host} does not know ${node}`);
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = netConnect({ host, port: found.port });
      s.once('connect', () => resolve(s));
      s.once('error', (cause) => reject(new NoConnectionError(`cannot reach ${node}`, { cause })));
    });
    entry.socket = socket;
    const conn = new DistConnection(socket, this.ctx);
    try {
      await conn.initiate(node);
    } catch (error) {
      if (error instanceof SimultaneousConnectLost || entry.lost) return this.awaitUp(node);
      throw error;
    }
    this.up(conn);
  }

  /** Waits for a connection the peer is making to us (simultaneous connect lost by us). */
  private awaitUp(node: string): Promise<void> {
    if (this.conns.has(node)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = this.opts.clock.setTimeout(() => {
        off();
        reject(new NoConnectionError(`${node} did not complete its own connection`));
      }, this.opts.handshakeTimeoutMs);
      const off = this.onNodeEvent((e) => {
        if (e.node !== node || e.event !== 'nodeup') return;
        this.opts.clock.clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  private admit(peer: string): 'ok' | 'ok_simultaneous' | 'nok' | 'alive' {
    if (this.conns.has(peer)) return 'alive';
    const mine = this.dialing.get(peer);
    if (mine === undefined) return 'ok';
    if (weKeepOurAttempt(this.opts.name, peer)) return 'nok';
    mine.lost = true;
    mine.socket?.destroy();
    return 'ok_simultaneous';
  }

  private onIncoming(socket: Socket): void {
    if (this.closing) return void socket.destroy();
    const conn = new DistConnection(socket, this.ctx);
    conn.accept().then(
      () => this.up(conn),
      (error: unknown) =>
        this.opts.logger.info('erlang: incoming connection not accepted', {
          peer: conn.peer,
          error: error instanceof Error ? error.message : String(error),
        }),
    );
  }

  private up(conn: DistConnection): void {
    const old = this.conns.get(conn.peer);
    if (old !== undefined && old !== conn) old.close('disconnect');
    this.conns.set(conn.peer, conn);
    internAtoms(conn.peer); // authenticated peers only, so the set stays small
    conn.onMessage = (msg) => this.dispatch(conn, msg);
    conn.onDown = (reason, detail) => this.down(conn, reason, detail);
    this.opts.logger.info('erlang: nodeup', { node: conn.peer });
    if (this.hooks.hasLink)
      this.hooks.emitLink({
        peer: conn.peer,
        state: 'up',
        hidden: true,
        at: this.opts.clock.now(),
      });
    this.emit({ event: 'nodeup', node: conn.peer });
  }

  private down(conn: DistConnection, reason: DownReason, detail?: string): void {
    if (this.conns.get(conn.peer) !== conn) return;
    this.conns.delete(conn.peer);
    this.opts.logger.info('erlang: nodedown', { node: conn.peer, reason, detail });
    const peer = conn.peer;
    // Links to processes there break with `noconnection`; their monitors of ours go away.
    for (const [key, pids] of this.links) {
      const gone = pids.filter((p) => p.node.name === peer);
      if (gone.length === 0) continue;
      this.links.set(
        key,
        pids.filter((p) => p.node.name !== peer),
      );
      const proc = this.procs.get(key);
      for (const p of gone) proc?.deliver(tuple(atom('EXIT'), p, atom('noconnection')));
    }
    for (const [key, ms] of this.monitors)
      this.monitors.set(
        key,
        ms.filter((m) => m.watcher.node.name !== peer),
      );
    if (this.hooks.hasLink)
      this.hooks.emitLink({ peer, state: 'down', hidden: true, reason, at: this.opts.clock.now() });
    this.emit({ event: 'nodedown', node: peer, reason });
  }

  private emit(e: NodeEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (error) {
        this.opts.logger.error('erlang: node event listener threw', { error: String(error) });
      }
    }
  }

  // ---- processes ----

  makePid(): Pid {
    const id = this.nextId++;
    // BEAM pids have 28 bits of id and 13 of serial.
    return new Pid(this.nameAtom, id & 0x0fffffff, (id >>> 28) & 0x1fff, this.creation);
  }

  makeRef(): Ref {
    const n = this.refCounter++;
    return new Ref(this.nameAtom, this.creation, [
      n & 0x3ffff,
      Math.floor(n / 0x40000) >>> 0,
      (Math.random() * 2 ** 32) >>> 0,
    ]);
  }

  addProcess(proc: LocalProcess, name?: string): void {
    this.procs.set(proc.pid.key, proc);
    if (name !== undefined) this.names.set(name, proc);
  }

  whereis(name: string): LocalProcess | undefined {
    return this.names.get(name);
  }

  /** A new mailbox, registered under `name` when given. */
  mailbox(name?: string): Mailbox {
    if (name !== undefined && this.names.has(name))
      throw new Error(`name ${name} is already registered`);
    const box = new Mailbox(
      this.makePid(),
      name,
      this.opts.clock,
      (to, msg, from) => this.send(to, msg, from),
      (b, reason) => this.exitProcess(b.pid, reason, b.name),
    );
    this.addProcess(box, name);
    return box;
  }

  /** The process ended: tell linked and monitoring processes elsewhere, forget it. */
  exitProcess(pid: Pid, reason: Term, name?: string): void {
    this.procs.delete(pid.key);
    if (name !== undefined && this.names.get(name)?.pid === pid) this.names.delete(name);
    for (const other of this.links.get(pid.key) ?? [])
      this.sendControl(other.node.name, tuple(OP.PAYLOAD_EXIT, pid, other), reason, 'monitor');
    this.links.delete(pid.key);
    for (const m of this.monitors.get(pid.key) ?? [])
      this.sendControl(
        m.watcher.node.name,
        tuple(OP.PAYLOAD_MONITOR_P_EXIT, m.target, m.watcher, m.ref),
        reason,
        'monitor',
      );
    this.monitors.delete(pid.key);
  }

  /** `To ! Msg` from `from`; dials the node first if needed, as Erlang does. */
  send(to: SendTarget, msg: Term, from: Pid): void {
    const node = to instanceof Pid ? to.node.name : to.node;
    if (node === this.opts.name) {
      const proc = to instanceof Pid ? this.procs.get(to.key) : this.names.get(to.name);
      proc?.deliver(msg, from);
      return;
    }
    const conn = this.conns.get(node);
    const control =
      to instanceof Pid
        ? conn?.sendSender === true
          ? tuple(OP.SEND_SENDER, from, to)
          : tuple(OP.SEND, EMPTY, to)
        : tuple(OP.REG_SEND, from, EMPTY, atom(to.name));
    if (conn !== undefined) return conn.send(control, msg);
    this.connect(node).then(
      () => this.conns.get(node)?.send(control, msg),
      (error: unknown) =>
        this.opts.logger.debug('erlang: message dropped, node unreachable', {
          node,
          error: String(error),
        }),
    );
  }

  /** Sends a control message (and payload) on an existing connection; no-op when there is none. */
  sendControl(
    node: string,
    control: Tuple,
    payload?: Term,
    channel: 'send' | 'rpc' | 'monitor' = 'send',
  ): void {
    this.conns.get(node)?.send(control, payload, channel);
  }

  /** Resolves when `node` goes down (or at once if it is not connected). */
  whenDown(node: string, signal?: AbortSignal): Promise<DownReason | 'not_connected'> {
    if (!this.conns.has(node)) return Promise.resolve('not_connected');
    return new Promise((resolve) => {
      const off = this.onNodeEvent((e) => {
        if (e.node === node && e.event === 'nodedown') {
          off();
          resolve(e.reason ?? 'connection_closed');
        }
      });
      signal?.addEventListener('abort', off, { once: true });
    });
  }

  /** Rejects with NoConnectionError if `node` goes down first; TimeoutError after `ms`. */
  async withDeadline<T>(node: string, ms: number, work: Promise<T>): Promise<T> {
    const abort = new AbortController();
    let timer: unknown;
    try {
      return await Promise.race([
        work,
        this.whenDown(node, abort.signal).then((r) => {
          throw new NoConnectionError(`${node} went down (${r})`);
        }),
        new Promise<never>((_, reject) => {
          timer = this.opts.clock.setTimeout(
            () => reject(new TimeoutError(`no answer from ${node} in ${ms} ms`)),
            ms,
          );
        }),
      ]);
    } finally {
      abort.abort();
      this.opts.clock.clearTimeout(timer);
    }
  }

  // ---- incoming control messages ----

  /** Hook for the services module: spawn requests (erpc) and replies to our own. */
  onSpawnRequest: (conn: string, msg: DistMessage) => void = () => {};

  private dispatch(conn: DistConnection, msg: DistMessage): void {
    const c = msg.control;
    switch (msg.op) {
      case OP.SEND:
      case OP.SEND_TT:
        return this.deliverTo(pidAt(c, 2), msg.payload!, undefined);
      case OP.SEND_SENDER:
      case OP.SEND_SENDER_TT:
        return this.deliverTo(pidAt(c, 2), msg.payload!, pidAt(c, 1));
      case OP.REG_SEND:
      case OP.REG_SEND_TT: {
        const name = c[3];
        if (!(name instanceof Atom)) throw new MalformedTermError('REG_SEND to a non-atom');
        this.names.get(name.name)?.deliver(msg.payload!, pidAt(c, 1));
        return;
      }
      case OP.LINK: {
        const from = pidAt(c, 1);
        const to = pidAt(c, 2);
        if (!this.procs.has(to.key))
          return this.sendControl(
            conn.peer,
            tuple(OP.PAYLOAD_EXIT, to, from),
            atom('noproc'),
            'monitor',
          );
        this.links.set(to.key, [...(this.links.get(to.key) ?? []), from]);
        return;
      }
      case OP.UNLINK_ID: {
        const from = pidAt(c, 2);
        const to = pidAt(c, 3);
        this.unlink(to, from);
        return this.sendControl(
          conn.peer,
          tuple(OP.UNLINK_ID_ACK, c[1]!, to, from),
          undefined,
          'monitor',
        );
      }
      case OP.UNLINK:
        return this.unlink(pidAt(c, 2), pidAt(c, 1));
      case OP.EXIT:
      case OP.EXIT2:
        return this.exitSignal(pidAt(c, 1), pidAt(c, 2), c[3]!);
      case OP.EXIT_TT:
      case OP.EXIT2_TT:
        return this.exitSignal(pidAt(c, 1), pidAt(c, 2), c[4]!);
      case OP.PAYLOAD_EXIT:
      case OP.PAYLOAD_EXIT_TT:
      case OP.PAYLOAD_EXIT2:
      case OP.PAYLOAD_EXIT2_TT:
        return this.exitSignal(pidAt(c, 1), pidAt(c, 2), msg.payload!);
      case OP.MONITOR_P:
        return this.monitorRequest(conn.peer, pidAt(c, 1), c[2]!, refAt(c, 3));
      case OP.DEMONITOR_P: {
        const ref = refAt(c, 3);
        for (const [key, ms] of this.monitors)
          this.monitors.set(
            key,
            ms.filter((m) => m.ref.key !== ref.key),
          );
        return;
      }
      case OP.MONITOR_P_EXIT:
        return this.down_(c[1]!, pidAt(c, 2), refAt(c, 3), c[4]!, conn.peer);
      case OP.PAYLOAD_MONITOR_P_EXIT:
        return this.down_(c[1]!, pidAt(c, 2), refAt(c, 3), msg.payload!, conn.peer);
      case OP.SPAWN_REQUEST:
      case OP.SPAWN_REQUEST_TT:
        return this.onSpawnRequest(conn.peer, msg);
      case OP.SPAWN_REPLY:
      case OP.SPAWN_REPLY_TT: {
        // {31, ReqId, To, Flags, Result}: delivered as erlang:spawn_request/5 would
        const result = c[4]!;
        const ok = result instanceof Pid;
        return this.deliverTo(
          pidAt(c, 2),
          tuple(atom('spawn_reply'), refAt(c, 1), atom(ok ? 'ok' : 'error'), result),
          undefined,
        );
      }
      default:
        // GROUP_LEADER, NODE_LINK, UNLINK_ID_ACK, ALIAS_SEND (we create no aliases): nothing to do
        return;
    }
  }

  private deliverTo(to: Pid, msg: Term, from: Pid | undefined): void {
    this.procs.get(to.key)?.deliver(msg, from);
  }

  private unlink(local: Pid, remote: Pid): void {
    const list = this.links.get(local.key);
    if (list !== undefined)
      this.links.set(
        local.key,
        list.filter((p) => p.key !== remote.key),
      );
  }

  /** An exit signal to one of ours: the link is gone; the mailbox sees it as a trapped exit. */
  private exitSignal(from: Pid, to: Pid, reason: Term): void {
    this.unlink(to, from);
    this.procs.get(to.key)?.deliver(tuple(atom('EXIT'), from, reason));
  }

  private monitorRequest(peer: string, watcher: Pid, target: Term, ref: Ref): void {
    const proc =
      target instanceof Pid
        ? this.procs.get(target.key)
        : target instanceof Atom
          ? this.names.get(target.name)
          : undefined;
    if (proc === undefined)
      return this.sendControl(
        peer,
        tuple(OP.PAYLOAD_MONITOR_P_EXIT, target, watcher, ref),
        atom('noproc'),
        'monitor',
      );
    const list = this.monitors.get(proc.pid.key) ?? [];
    list.push({ ref, watcher, target: target instanceof Atom ? target : proc.pid });
    this.monitors.set(proc.pid.key, list);
  }

  /** A monitor of ours fired: `{'DOWN', Ref, process, Who, Reason}`. */
  private down_(who: Term, to: Pid, ref: Ref, reason: Term, peer: string): void {
    const object = who instanceof Atom ? tuple(who, atom(peer)) : who;
    this.deliverTo(to, tuple(atom('DOWN'), ref, atom('process'), object, reason), undefined);
  }
}

const EMPTY = atom('');

function pidAt(c: readonly Term[], i: number): Pid {
  const p = c[i];
  if (!(p instanceof Pid)) throw new MalformedTermError(`control element ${i} is not a pid`);
  return p;
}

function refAt(c: readonly Term[], i: number): Ref {
  const r = c[i];
  if (!(r instanceof Ref)) throw new MalformedTermError(`control element ${i} is not a reference`);
  return r;
}
