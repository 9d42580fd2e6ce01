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
  sendCall(node: NodeName, id: number, handler: string, args: Payload): void;
  sendCast(node: NodeName, handler: string, args: Payload): void;
  sendCancel(node: NodeName, id: number): void;
  sendReply(node: NodeName, id: number, result: Payload): void;
  sendError(
    node: NodeName,
    id: number,
    error: { code: string; message: string; data?: Payload },
  ): void;
  hasRpcListeners(): boolean;
  emitRpc(e: RpcCallEvent): void;
  warn(msg: string, data: Record<string, unknown>): void;
}

interface Pending {
  readonly peer: NodeName;
  readonly handler: string;
  readonly started: number;
  readonly resolve: (v: Payload) => void;
  readonly reject: (e: ClusterError) => void;
  timer: unknown;
  cleanup: (() => void) | null;
}

/**
 * Calls out and serves calls in. Only handlers registered by name can run: arguments are data,
 * never code. Pending calls fail fast with `noconnection` when their link goes down, and calls
 * being served are aborted (through ctx.signal) when the caller cancels or disappears.
 */
export class Rpc {
  private readonly handlers = new Map<string, RpcHandler>();
  private readonly pending = new Map<number, Pending>();
  private readonly serving = new Map<NodeName, Map<number, ServeContext>>();
  private nextId = 1;

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
    if (node !== this.port.self && !this.port.isConnected(node))
      return Promise.reject(new NoConnectionError(`not connected to ${node}`));
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    const clock = this.port.clock;
    return new Promise<Payload>((resolve, reject) => {
      const p: Pending = {
        peer: node,
        handler,
        started: clock.now(),
        resolve,
        reject,
        timer: null,
        cleanup: null,
      };
      this.pending.set(id, p);
      p.timer = clock.setTimeout(() => {
        this.cancelRemote(id, p);
        this.settle(
          id,
          new TimeoutError(`call ${handler} on ${node} timed out after ${timeoutMs} ms`),
        );
      }, timeoutMs);
      if (signal !== undefined) {
        const onAbort = (): void => {
          this.cancelRemote(id, p);
          this.settle(
            id,
            new AbortedError(`call ${handler} on ${node} aborted`, { cause: signal.reason }),
          );
        };
        signal.addEventListener('abort', onAbort, { once: true });
        p.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      try {
        if (node === this.port.self) this.serve(node, id, handler, args, true);
        else this.port.sendCall(node, id, handler, args);
      } catch (err) {
        this.settle(
          id,
          err instanceof ClusterError ? err : new BadArgumentError(String(err), { cause: err }),
        );
      }
    });
  }

  cast(node: NodeName, handler: string, args: Payload): void {
    if (node === this.port.self) queueMicrotask(() => this.serve(node, 0, handler, args, false));
    else if (this.port.isConnected(node)) this.port.sendCast(node, handler, args);
  }

  /** A reply or error arrived (or the local handler finished). */
  settle(id: number, outcome: { value: Payload } | ClusterError): void {
    const p = this.pending.get(id);
    if (p === undefined) return; // late answer after timeout/abort: dropped
    this.pending.delete(id);
    this.port.clock.clearTimeout(p.timer);
    p.cleanup?.();
    const ok = !(outcome instanceof ClusterError);
    if (this.port.hasRpcListeners())
      this.port.emitRpc({
        peer: p.peer,
        handler: p.handler,
        durationMs: this.port.clock.now() - p.started,
        ok,
      });
    if (ok) p.resolve(outcome.value);
    else p.reject(outcome);
  }

  replied(id: number, value: Payload): void {
    this.settle(id, { value });
  }
  failed(id: number, error: unknown): void {
    this.settle(id, reviveError(error));
  }

  /** Runs a handler for `from`; `reply` false for casts. Local calls settle directly. */
  serve(from: NodeName, id: number, name: string, args: Payload, reply: boolean): void {
    const local = from === this.port.self;
    const answer = (result: { value: Payload } | { error: unknown }): void => {
      if (!reply) {
        if ('error' in result)
          this.port.warn('cast handler failed', { handler: name, error: String(result.error) });
        return;
      }
      if (!local) this.serving.get(from)?.delete(id);
      if (local) {
        this.settle(id, 'value' in result ? result : reviveError(serializeError(result.error)));
        return;
      }
      if (!this.port.isConnected(from)) return;
      if ('value' in result) {
        try {
          this.port.sendReply(from, id, result.value);
          return;
        } catch (err) {
          result = { error: err };
        }
      }
      this.port.sendError(from, id, serializeError(result.error));
    };
    const handler = this.handlers.get(name);
    if (handler === undefined) {
      answer({
        error: new NoSuchHandlerError(`no handler ${JSON.stringify(name)} on ${this.port.self}`),
      });
      return;
    }
    const ctx = new ServeContext(from);
    let out: Payload | Promise<Payload>;
    try {
      out = handler(args, ctx);
    } catch (error) {
      answer({ error });
      return;
    }
    // a handler that returns nothing answers null (undefined has no JSON form)
    if (out instanceof Promise) {
      // only a call still running can be cancelled: a synchronous one is answered already
      if (reply && !local) {
        let m = this.serving.get(from);
        if (m === undefined) this.serving.set(from, (m = new Map<number, ServeContext>()));
        m.set(id, ctx);
      }
      out.then(
        (value) => answer({ value: value ?? null }),
        (error: unknown) => answer({ error }),
      );
    } else answer({ value: out ?? null });
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
      if (p.peer === peer)
        this.settle(
          id,
          new NoConnectionError(`connection to ${peer} lost during call ${p.handler}`),
        );
    const m = this.serving.get(peer);
    if (m !== undefined) {
      this.serving.delete(peer);
      for (const ctx of m.values()) ctx.abort(new NoConnectionError(`${peer} disconnected`));
    }
  }

  /** Fails every pending call (node closing). */
  closeAll(): void {
    for (const [id, p] of this.pending)
      this.settle(id, new NoConnectionError(`node closing; call ${p.handler} dropped`));
    for (const peer of [...this.serving.keys()]) this.peerDown(peer);
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
