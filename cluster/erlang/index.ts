/**
 * Real Erlang distribution for TypeScript: a node that BEAM nodes ping, message and call, and
 * that pings, messages and calls them. `startErlangNode` is the entry point.
 *
 * ```ts
 * const node = await startErlangNode({ name: 'ts1@127.0.0.1', cookie });
 * await node.ping('checker@127.0.0.1');                        // 'pong'
 * await node.call('checker@127.0.0.1', 'erlang', 'node', []);  // Atom('checker@127.0.0.1')
 * ```
 */
import type {
  ClusterNode,
  Clock,
  FaultControl,
  Instrumentation,
  Logger,
  MembershipEvent,
} from '../api.ts';
import { silentLogger, systemClock } from '../clock.ts';
import { BadArgumentError } from '../errors.ts';
import {
  DEFAULT_DIST_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_EPMD_PORT,
  DEFAULT_EPMD_TIMEOUT_MS,
  DEFAULT_ERLANG_CALL_TIMEOUT_MS,
  DEFAULT_MAX_DIST_FRAME_BYTES,
  DEFAULT_MAX_TERM_BYTES,
  DEFAULT_MAX_TERM_DEPTH,
  DEFAULT_NET_TICKTIME_MS,
} from './constants.ts';
import { OP } from './dist/control.ts';
import { isNodeName } from './dist/handshake.ts';
import { BadRpcError } from './errors.ts';
import type { DownReason } from './dist/connection.ts';
import type { Mailbox, SendTarget } from './mailbox.ts';
import { ErlangNodeCore, type NodeEvent } from './node.ts';
import type { RpcHandler } from './rpc.ts';
import { installServices } from './services.ts';
import { Atom, Pid, Ref, Tuple, atom, isAtom, isTagged, tuple, type Term } from './terms.ts';

export * from './terms.ts';
export * from './errors.ts';
export * from './constants.ts';
export { encode, encodeInto, Writer } from './etf/encode.ts';
export { decode, decodeAt, type DecodeOptions } from './etf/decode.ts';
export { formatTerm, formatAtom } from './format.ts';
export type { Mailbox, SendTarget, ReceiveOptions } from './mailbox.ts';
export type { RpcHandler, RpcContext } from './rpc.ts';
export type { NodeEvent } from './node.ts';
export type { DownReason } from './dist/connection.ts';
export { listNames, lookupNode } from './epmd/client.ts';
export { startEmbeddedEpmd } from './epmd/server.ts';
export type {
  EmbeddedEpmd,
  EmbeddedEpmdOptions,
  EpmdRegistrationHook,
  RegisteringNode,
} from './epmd/server.ts';

export interface ErlangNodeOptions {
  /** full node name, `name@host` (the host part is where peers will dial us) */
  readonly name: string;
  /** the shared secret; never sent on the wire */
  readonly cookie: string;
  /** address to listen on (default 127.0.0.1) */
  readonly listenHost?: string;
  /** port to listen on (default 0: any free port; EPMD tells peers which) */
  readonly port?: number;
  /** where EPMD is (default 127.0.0.1) */
  readonly epmdHost?: string;
  /** EPMD's port (default 4369, as ERL_EPMD_PORT; the CLI reads that variable, not this library) */
  readonly epmdPort?: number;
  /** run an embedded EPMD-compatible registry when none answers (default true) */
  readonly embeddedEpmd?: boolean;
  /** register with EPMD so peers can dial us (default true; a shell or client may skip it) */
  readonly publish?: boolean;
  /** net_ticktime in ms (default 60 000) */
  readonly ticktimeMs?: number;
  /** connect as a hidden node (default true, like C and JInterface nodes) */
  readonly hidden?: boolean;
  /** run the registered `echo` process (default true) */
  readonly echo?: boolean;
  /** extra functions Erlang may call, by `'module:function/arity'` */
  readonly rpc?: Readonly<Record<string, RpcHandler>>;
  /** default 7 000 ms */
  readonly handshakeTimeoutMs?: number;
  /** largest frame accepted (default 64 MiB) */
  readonly maxFrameBytes?: number;
  /** deepest term nesting accepted (default 1 000) */
  readonly maxTermDepth?: number;
  readonly logger?: Logger;
  readonly clock?: Clock;
}

/** A running TypeScript node in an Erlang cluster. */
export class ErlangNode {
  constructor(private readonly core: ErlangNodeCore) {}

  get name(): string {
    return this.core.opts.name;
  }
  /** the port we accept distribution connections on */
  get port(): number {
    return this.core.listenPort;
  }
  /** set when this node runs the embedded EPMD registry */
  get embeddedEpmdPort(): number | undefined {
    return this.core.embeddedEpmdPort;
  }
  /** the agent's hooks: frames (channel `send`, `rpc`, `monitor`, `tick`, `handshake`) and link states */
  get instrumentation(): Instrumentation {
    return this.core.instrumentation;
  }

  /** Fault injection (blackhole, latency) per peer, as the agent drives it. */
  get faults(): FaultControl {
    return this.core.faults;
  }

  /**
   * The node as the observatory agent sees a node (`attachAgent(node.agentView(), …)`): all its
   * links are hidden, like the node itself; membership events carry the time they happened.
   */
  agentView(): Pick<
    ClusterNode,
    'name' | 'hidden' | 'address' | 'nodes' | 'monitorNodes' | 'instrumentation' | 'faults'
  > {
    const clock = this.core.opts.clock;
    return {
      name: this.name,
      hidden: true,
      address: { host: this.core.opts.listenHost, port: this.port },
      nodes: (options) => (options?.hidden === true ? this.nodes() : []),
      monitorNodes: (listener: (e: MembershipEvent) => void) =>
        this.onNodeEvent((e) =>
          listener(
            e.event === 'nodeup'
              ? { event: 'nodeup', node: e.node, hidden: true, at: clock.now() }
              : {
                  event: 'nodedown',
                  node: e.node,
                  hidden: true,
                  reason: e.reason ?? 'connection_closed',
                  at: clock.now(),
                },
          ),
        ),
      instrumentation: this.instrumentation,
      faults: this.faults,
    };
  }

  /** Connected nodes. */
  nodes(): string[] {
    return this.core.nodes();
  }

  connect(node: string): Promise<void> {
    return this.core.connect(node);
  }

  /** `net_adm:ping/1`: connects and asks the peer's net_kernel; `pang` on any failure. */
  async ping(node: string, timeoutMs = DEFAULT_ERLANG_CALL_TIMEOUT_MS): Promise<'pong' | 'pang'> {
    try {
      await this.core.connect(node);
      const reply = await this.genCall(
        node,
        'net_kernel',
        tuple(atom('is_auth'), this.core.nameAtom),
        timeoutMs,
      );
      return isAtom(reply, 'yes') ? 'pong' : 'pang';
    } catch {
      return 'pang';
    }
  }

  /** A new mailbox (a process of this node), registered under `name` when given. */
  mailbox(name?: string): Mailbox {
    return this.core.mailbox(name);
  }

  /** `To ! Msg` from `from` (default: an anonymous sender pid of this node). */
  send(to: SendTarget, msg: Term, from?: Pid): void {
    this.core.send(to, msg, from ?? this.anonymous());
  }

  /**
   * `rpc:block_call/5`-style call through the peer's `rex` server (what works on every OTP).
   * Resolves with the result; rejects with BadRpcError on `{badrpc, Reason}`.
   */
  async call(
    node: string,
    module: string,
    fun: string,
    args: readonly Term[],
    timeoutMs = DEFAULT_ERLANG_CALL_TIMEOUT_MS,
  ): Promise<Term> {
    await this.core.connect(node);
    const box = this.core.mailbox();
    const request = tuple(atom('call'), atom(module), atom(fun), [...args], box.pid);
    const reply = await this.genCall(node, 'rex', request, timeoutMs, box);
    if (isTagged(reply, 'badrpc', 2))
      throw new BadRpcError(`${module}:${fun}/${args.length} on ${node} failed`, reply.elements[1]);
    return reply;
  }

  /**
   * `erpc:call/5`: a spawn request of `erpc:execute_call/4` on the peer, the result arriving as
   * the monitor's DOWN reason. Rejects with BadRpcError when the call raised.
   */
  async erpcCall(
    node: string,
    module: string,
    fun: string,
    args: readonly Term[],
    timeoutMs = DEFAULT_ERLANG_CALL_TIMEOUT_MS,
  ): Promise<Term> {
    await this.core.connect(node);
    const box = this.core.mailbox();
    try {
      const reqId = this.core.makeRef();
      const res = this.core.makeRef();
      const control = tuple(
        OP.SPAWN_REQUEST,
        reqId,
        box.pid,
        box.pid,
        tuple(atom('erpc'), atom('execute_call'), 4),
        [atom('monitor')],
      );
      this.core.sendControl(node, control, [res, atom(module), atom(fun), [...args]], 'rpc');
      const mine = (t: Term) =>
        (isTagged(t, 'spawn_reply', 4) || isTagged(t, 'DOWN', 5)) &&
        t.elements[1] instanceof Ref &&
        t.elements[1].key === reqId.key;
      for (;;) {
        const m = (await this.core.withDeadline(
          node,
          timeoutMs,
          box.receive({ match: mine }),
        )) as Tuple;
        if (isTagged(m, 'spawn_reply', 4)) {
          if (isAtom(m.elements[2], 'error'))
            throw new BadRpcError(`spawn request refused by ${node}`, m.elements[3]);
          continue;
        }
        // DOWN: the reason is erpc:execute_call/4's {Res, return | throw | exit | error, ...}
        const reason = (m as unknown as Tuple).elements[4]!;
        const e = reason instanceof Tuple ? reason.elements : [];
        if (e[0] instanceof Ref && e[0].key === res.key) {
          if (isAtom(e[1], 'return')) return e[2]!;
          throw new BadRpcError(
            `${module}:${fun}/${args.length} on ${node} raised`,
            tuple(...e.slice(1)),
          );
        }
        throw new BadRpcError(`${module}:${fun}/${args.length} on ${node} exited`, reason);
      }
    } finally {
      box.close();
    }
  }

  /** `erlang:monitor_node(Node, true)`: resolves with the reason when `node` goes down. */
  monitorNode(node: string, signal?: AbortSignal): Promise<DownReason | 'not_connected'> {
    return this.core.whenDown(node, signal);
  }

  /** nodeup/nodedown of every connection, like `net_kernel:monitor_nodes(true)`. */
  onNodeEvent(listener: (e: NodeEvent) => void): () => void {
    return this.core.onNodeEvent(listener);
  }

  /** Lets Erlang call `module:function/arity` on this node (adds to the allowlist). */
  register(module: string, fun: string, arity: number, handler: RpcHandler): void {
    this.core.rpc.register(module, fun, arity, handler);
  }

  /** Functions Erlang may call, as `module:function/arity`. */
  callable(): string[] {
    return this.core.rpc.keys();
  }

  close(): Promise<void> {
    return this.core.close();
  }

  private anonymousPid: Pid | undefined;
  private anonymous(): Pid {
    this.anonymousPid ??= this.core.mailbox().pid;
    return this.anonymousPid;
  }

  /** gen:call/4 to a registered name on `node`; resolves with the reply term. */
  private async genCall(
    node: string,
    name: string,
    request: Term,
    timeoutMs: number,
    given?: Mailbox,
  ): Promise<Term> {
    const box = given ?? this.core.mailbox();
    try {
      const tag = this.core.makeRef();
      box.send({ name, node }, tuple(atom('$gen_call'), tuple(box.pid, tag), request));
      const reply = await this.core.withDeadline(
        node,
        timeoutMs,
        box.receive({
          match: (t) => isTaggedBy(t, tag),
        }),
      );
      return (reply as Tuple).elements[1]!;
    } finally {
      box.close();
    }
  }
}

function isTaggedBy(t: Term, tag: Ref): boolean {
  if (!(t instanceof Tuple)) return false;
  const e = t.elements;
  return e.length === 2 && e[0] instanceof Ref && e[0].key === tag.key;
}

/** Starts a node: listens, registers with EPMD (or runs an embedded one), starts net_kernel, rex and echo. */
export async function startErlangNode(options: ErlangNodeOptions): Promise<ErlangNode> {
  if (!isNodeName(options.name))
    throw new BadArgumentError(`node name must be name@host, got ${JSON.stringify(options.name)}`);
  if (typeof options.cookie !== 'string' || options.cookie.length === 0)
    throw new BadArgumentError('cookie must be a non-empty string');
  const ticktimeMs = options.ticktimeMs ?? DEFAULT_NET_TICKTIME_MS;
  if (!(ticktimeMs >= 4)) throw new BadArgumentError('ticktimeMs must be ≥ 4');
  const core = new ErlangNodeCore({
    name: options.name,
    cookie: options.cookie,
    listenHost: options.listenHost ?? '127.0.0.1',
    port: options.port ?? 0,
    epmd: {
      host: options.epmdHost ?? '127.0.0.1',
      port: options.epmdPort ?? DEFAULT_EPMD_PORT,
      timeoutMs: DEFAULT_EPMD_TIMEOUT_MS,
    },
    embeddedEpmd: options.embeddedEpmd ?? true,
    publish: options.publish ?? true,
    ticktimeMs,
    hidden: options.hidden ?? true,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_DIST_HANDSHAKE_TIMEOUT_MS,
    maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_DIST_FRAME_BYTES,
    maxTermDepth: options.maxTermDepth ?? DEFAULT_MAX_TERM_DEPTH,
    maxTermBytes: DEFAULT_MAX_TERM_BYTES,
    logger: options.logger ?? silentLogger,
    clock: options.clock ?? systemClock,
  });
  const node = new ErlangNode(core);
  installDefaultRpc(node);
  for (const [key, handler] of Object.entries(options.rpc ?? {})) {
    const m = /^([^:]+):([^/]+)\/(\d+)$/.exec(key);
    if (m === null) throw new BadArgumentError(`rpc key must be module:function/arity, got ${key}`);
    node.register(m[1]!, m[2]!, Number(m[3]), handler);
  }
  installServices(core, { echo: options.echo ?? true });
  await core.start();
  return node;
}

function installDefaultRpc(node: ErlangNode): void {
  const started = performance.now();
  node.register('erlang', 'node', 0, () => atom(node.name));
  node.register('erlang', 'self', 0, (_args, ctx) => ctx.self);
  // The two-node smoke test calls :rpc.call(TS, Node, :self, []) and expects a pid of
  // the TS node (Elixir's Node.self/0 would return the node name).
  node.register('Elixir.Node', 'self', 0, (_args, ctx) => ctx.self);
  node.register('erlang', 'nodes', 0, () => node.nodes().map((n) => atom(n)));
  node.register('erlang', 'nodes', 1, () => node.nodes().map((n) => atom(n)));
  node.register('erlang', 'is_alive', 0, () => true);
  node.register(
    'observatory',
    'info',
    0,
    () =>
      new Map<Term, Term>([
        [atom('name'), atom(node.name)],
        [atom('nodes'), node.nodes().map((n) => atom(n))],
        [atom('runtime'), 'node.js ' + process.version],
        [atom('uptime_ms'), Math.round(performance.now() - started)],
        [atom('callable'), node.callable().map((k) => k)],
      ]),
  );
}

export { Atom, Pid };
