/**
 * A TypeScript node in an Erlang cluster: listens, registers with EPMD (or runs an embedded
 * one), accepts and dials distribution connections, and routes control messages to local
 * "processes" (mailboxes and the built-in services). Hidden by default, like a C or JInterface node.
 *
 * Longer than ~400 lines on purpose: the node owns the listener, EPMD registration and the table
 * of connections, whose lifecycles interleave; the protocol itself lives in `dist/`, `etf/`, `epmd/`.
 */
import { randomInt } from 'node:crypto';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import type { Channel, Clock, Instrumentation, Logger } from '../api.ts';
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
import { EpmdError } from './errors.ts';
import { ErlangFaults } from './faults.ts';
import { Mailbox, type SendTarget } from './mailbox.ts';
import { ProcessTable, type LocalProcess } from './processes.ts';
import { RpcTable } from './rpc.ts';
import type { Tuple, Atom } from './terms.ts';
import { Pid, Ref, atom, internAtoms, tuple, type Term } from './terms.ts';

export type { LocalProcess } from './processes.ts';

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
  private readonly table: ProcessTable;
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
    this.table = new ProcessTable((node, control, payload, channel) =>
      this.sendControl(node, control, payload, channel),
    );
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
    this.watchRegistration(this.registration, entry);
  }

  /**
   * When EPMD goes away (the node that ran the embedded one stopped), register again, starting
   * an embedded registry if none answers, so peers can still find us. The creation stays the one
   * our pids carry: a new one would make peers drop messages to them.
   */
  private watchRegistration(
    reg: EpmdRegistration,
    entry: Parameters<typeof registerNode>[1],
  ): void {
    reg.onLost(() => {
      if (this.closing) return;
      this.opts.logger.warn('erlang: EPMD dropped our registration; registering again', {
        name: this.opts.name,
      });
      const retry = (attempt: number) =>
        this.opts.clock.setTimeout(
          () => {
            if (this.closing) return;
            this.register(entry).then(
              (again) => {
                if (this.closing) return again.close();
                this.registration = again;
                this.watchRegistration(again, entry);
              },
              () => retry(Math.min(attempt + 1, 10)),
            );
          },
          100 * attempt + Math.random() * 100,
        );
      retry(1);
    });
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
    conn.onMessage = (msg) => this.table.dispatch(conn.peer, msg);
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
    this.table.nodeDown(peer);
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
    this.table.add(proc, name);
  }

  whereis(name: string): LocalProcess | undefined {
    return this.table.whereis(name);
  }

  /** Hook for the services module: spawn requests (erpc). */
  set onSpawnRequest(handler: (peer: string, msg: DistMessage) => void) {
    this.table.onSpawnRequest = handler;
  }

  /** A new mailbox, registered under `name` when given. */
  mailbox(name?: string): Mailbox {
    if (name !== undefined && this.table.whereis(name) !== undefined)
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
    this.table.exit(pid, reason, name);
  }

  /** `To ! Msg` from `from`; dials the node first if needed, as Erlang does. */
  send(to: SendTarget, msg: Term, from: Pid): void {
    const node = to instanceof Pid ? to.node.name : to.node;
    if (node === this.opts.name) {
      const proc = to instanceof Pid ? this.table.get(to) : this.table.whereis(to.name);
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
  sendControl(node: string, control: Tuple, payload?: Term, channel: Channel = 'send'): void {
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
}

const EMPTY = atom('');
