import type {
  CallOptions,
  Clock,
  NodeName,
  Payload,
  RpcCallEvent,
  RpcContext,
  RpcHandler,
} from './api.ts';
import { DEFAULT_CALL_TIMEOUT_MS } from './constants.ts';
import {
  AbortedError,
  BadArgumentError,
  ClusterError,
  NoConnectionError,
  NoSuchHandlerError,
  TimeoutError,
  reviveError,
  serializeError,
} from './errors.ts';

/** How the RPC engine reaches peers; implemented by the node over its links. */
export interface RpcPort {
  readonly self: NodeName;
  readonly clock: Clock;
  isConnected(node: NodeName): boolean;
  /** throws NoConnectionError when not linked, BadArgumentError when `args` cannot be encoded */
  sendCall(node: NodeName, id: number, handler: string, args: Payload): void;
  sendCast(node: NodeName, handler: string, args: Payload): void;
  sendCancel(node: NodeName, id: number): void;
  /** false when `node` is not linked (nothing sent); throws when `result` cannot be encoded */
  sendReply(node: NodeName, id: number, result: Payload): boolean;
  sendError(
    node: NodeName,
    id: number,
    error: { code: string; message: string; data?: Payload },
  ): boolean;
  hasRpcListeners(): boolean;
  emitRpc(e: RpcCallEvent): void;
  warn(msg: string, data: Record<string, unknown>): void;
}

interface Pending {
  readonly peer: NodeName;
  readonly handler: string;
  started: number;
  readonly timeoutMs: number;
  deadline: number;
  readonly resolve: (v: Payload) => void;
  readonly reject: (e: ClusterError) => void;
  cleanup: (() => void) | null;
}

/**
 * Calls out and serves calls in. Only handlers registered by name can run: arguments are data,
 * never code. Pending calls fail fast with `noconnection` when their link goes down, and calls
 * being served are aborted (through ctx.signal) when the caller cancels or disappears.
 *
 * Deadlines share one timer, armed for the earliest: a call costs no timer of its own (a timer
 * per call was a measurable share of a round trip). When it fires, calls past their deadline time
 * out and it is armed again for the earliest left; answered calls are simply gone from `pending`.
 */
export class Rpc {
  private readonly handlers = new Map<string, RpcHandler>();
  /**
   * Calls awaiting an answer, by id. Id 0 is never a call's: its null entry stays for the map's
   * lifetime, because V8 shrinks (reallocates) a Map whenever a delete leaves it nearly empty,
   * which a caller with one call at a time would otherwise pay on every call.
   */
  private readonly pending = new Map<number, Pending | null>([[0, null]]);
  private readonly serving = new Map<NodeName, Map<number, ServeContext>>();
  private nextId = 1;
  private timer: unknown = null;
  private timerDue = Infinity;
  private readonly expireBound = (): void => this.expire();

  constructor(private readonly port: RpcPort) {}

  handle(name: string, handler: RpcHandler): void {
    if (name.length === 0 || Buffer.byteLength(name) > 255)
      throw new BadArgumentError('handler name must be 1–255 bytes');
    this.handlers.set(name, handler);
  }

  call(node: NodeName, handler: string, args: Payload, options?: CallOptions): Promise<Payload> {
    const timeoutMs = options?.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(new AbortedError('call aborted before start'));
    // a linked peer is never this node, so the name comparison is left for the rare case
    const local = !this.port.isConnected(node);
    if (local && node !== this.port.self)
      return Promise.reject(new NoConnectionError(`not connected to ${node}`));
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    const started = this.port.clock.monotonic();
    return new Promise<Payload>((resolve, reject) => {
      const p: Pending = {
        peer: node,
        handler,
        started,
        timeoutMs,
        deadline: started + timeoutMs,
        resolve,
        reject,
        cleanup: null,
      };
      this.pending.set(id, p);
      if (p.deadline < this.timerDue) this.arm(p.deadline, started);
      if (signal !== undefined) {
        const onAbort = (): void => {
          this.cancelRemote(id, p);
          this.fail(
            id,
            new AbortedError(`call ${handler} on ${node} aborted`, { cause: signal.reason }),
          );
        };
        signal.addEventListener('abort', onAbort, { once: true });
        p.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      try {
        if (local) this.serve(node, id, handler, args, true, true);
        else this.port.sendCall(node, id, handler, args);
      } catch (err) {
        this.fail(
          id,
          err instanceof ClusterError ? err : new BadArgumentError(String(err), { cause: err }),
        );
      }
    });
  }

  cast(node: NodeName, handler: string, args: Payload): void {
    if (this.port.isConnected(node)) this.port.sendCast(node, handler, args);
    else if (node === this.port.self)
      queueMicrotask(() => this.serve(node, 0, handler, args, false, true));
  }

  /** A reply arrived (or the local handler finished). Late answers (after a timeout) are dropped. */
  replied(id: number, value: Payload): void {
    const p = this.take(id);
    if (p === undefined) return;
    this.report(p, true);
    p.resolve(value);
  }

  /** An error reply arrived, in its wire form. */
  failed(id: number, error: unknown): void {
    this.fail(id, reviveError(error));
  }

  /**
   * Runs a handler for `from`; `reply` false for casts, `local` true for a call this node makes
   * to itself (settled directly, never sent).
   */
  serve(
    from: NodeName,
    id: number,
    name: string,
    args: Payload,
    reply: boolean,
    local = false,
  ): void {
    const handler = this.handlers.get(name);
    if (handler === undefined) {
      const error = new NoSuchHandlerError(
        `no handler ${JSON.stringify(name)} on ${this.port.self}`,
      );
      this.answerError(from, id, name, reply, local, error);
      return;
    }
    const ctx = new ServeContext(from);
    let out: Payload | Promise<Payload>;
    try {
      out = handler(args, ctx);
    } catch (error) {
      this.answerError(from, id, name, reply, local, error);
      return;
    }
    // a handler that returns nothing answers null (undefined has no JSON form)
    if (!(out instanceof Promise)) {
      this.answer(from, id, name, reply, local, out ?? null);
      return;
    }
    // only a call still running can be cancelled: a synchronous one is answered already
    const cancellable = reply && !local;
    if (cancellable) {
      let m = this.serving.get(from);
      if (m === undefined) this.serving.set(from, (m = new Map<number, ServeContext>()));
      m.set(id, ctx);
    }
    out.then(
      (value) => {
        if (cancellable) this.serving.get(from)?.delete(id);
        this.answer(from, id, name, reply, local, value ?? null);
      },
      (error: unknown) => {
        if (cancellable) this.serving.get(from)?.delete(id);
        this.answerError(from, id, name, reply, local, error);
      },
    );
  }

  /** The caller gave up: abort the handler serving it. */
  cancelled(from: NodeName, id: number): void {
    const m = this.serving.get(from);
    const ctx = m?.get(id);
    if (ctx === undefined) return;
    m!.delete(id);
    ctx.abort(new AbortedError('caller cancelled'));
  }

  /** The link to `peer` went down. */
  peerDown(peer: NodeName): void {
    for (const [id, p] of this.pending)
      if (p !== null && p.peer === peer)
        this.fail(id, new NoConnectionError(`connection to ${peer} lost during call ${p.handler}`));
    const m = this.serving.get(peer);
    if (m !== undefined) {
      this.serving.delete(peer);
      for (const ctx of m.values()) ctx.abort(new NoConnectionError(`${peer} disconnected`));
    }
  }

  /** Fails every pending call (node closing). */
  closeAll(): void {
    for (const [id, p] of this.pending)
      if (p !== null)
        this.fail(id, new NoConnectionError(`node closing; call ${p.handler} dropped`));
    for (const peer of [...this.serving.keys()]) this.peerDown(peer);
    if (this.timer !== null) this.port.clock.clearTimeout(this.timer);
    this.timer = null;
    this.timerDue = Infinity;
  }

  private answer(
    from: NodeName,
    id: number,
    name: string,
    reply: boolean,
    local: boolean,
    value: Payload,
  ): void {
    if (!reply) return;
    if (local) {
      this.replied(id, value);
      return;
    }
    try {
      this.port.sendReply(from, id, value);
    } catch (error) {
      // the result cannot be encoded: the caller gets that error instead
      this.answerError(from, id, name, reply, local, error);
    }
  }

  private answerError(
    from: NodeName,
    id: number,
    name: string,
    reply: boolean,
    local: boolean,
    error: unknown,
  ): void {
    if (!reply) {
      this.port.warn('cast handler failed', { handler: name, error: String(error) });
      return;
    }
    const wire = serializeError(error);
    if (local) this.fail(id, reviveError(wire));
    else this.port.sendError(from, id, wire);
  }

  private fail(id: number, error: ClusterError): void {
    const p = this.take(id);
    if (p === undefined) return;
    this.report(p, false);
    p.reject(error);
  }

  private take(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (p === undefined || p === null) return undefined;
    this.pending.delete(id);
    p.cleanup?.();
    return p;
  }

  private report(p: Pending, ok: boolean): void {
    if (this.port.hasRpcListeners())
      this.port.emitRpc({
        peer: p.peer,
        handler: p.handler,
        durationMs: this.port.clock.monotonic() - p.started,
        ok,
      });
  }

  private arm(due: number, now: number): void {
    const clock = this.port.clock;
    if (this.timer !== null) clock.clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = clock.setTimeout(this.expireBound, Math.max(0, due - now));
  }

  /** The deadline timer fired: time out every call past its deadline, re-arm for the next. */
  private expire(): void {
    this.timer = null;
    this.timerDue = Infinity;
    const now = this.port.clock.monotonic();
    let next = Infinity;
    for (const [id, p] of this.pending) {
      if (p === null) continue;
      if (p.deadline <= now) {
        this.cancelRemote(id, p);
        this.fail(
          id,
          new TimeoutError(`call ${p.handler} on ${p.peer} timed out after ${p.timeoutMs} ms`),
        );
      } else if (p.deadline < next) next = p.deadline;
    }
    if (next !== Infinity) this.arm(next, now);
  }

  private cancelRemote(id: number, p: Pending): void {
    if (p.peer !== this.port.self && this.port.isConnected(p.peer))
      this.port.sendCancel(p.peer, id);
  }
}

/**
 * The context a handler gets. Its AbortController is made only when the handler reads `signal`
 * (most handlers never do, and one controller per call is a measurable share of a round trip);
 * an abort before that is remembered and shows as an already aborted signal.
 */
class ServeContext implements RpcContext {
  private ac: AbortController | null = null;
  private reason: unknown = undefined;
  private aborted = false;

  constructor(readonly from: NodeName) {}

  get signal(): AbortSignal {
    if (this.ac === null) {
      this.ac = new AbortController();
      if (this.aborted) this.ac.abort(this.reason);
    }
    return this.ac.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.ac?.abort(reason);
  }
}
