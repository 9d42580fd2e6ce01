/**
 * What Erlang callers may run on a TypeScript node: handlers registered by `module:function/arity`
 * (an allowlist). Nothing that arrives over the wire is evaluated; an `{M, F, A}` with no handler
 * fails as an undefined function does on BEAM.
 */
import type { Pid, Term } from './terms.ts';

export interface RpcContext {
  /** the pid the call runs as (`self()` inside the call) */
  readonly self: Pid;
  /** the calling process, when known */
  readonly caller: Pid | undefined;
  /** the calling node */
  readonly peer: string;
}

/** A function callable from Erlang as `Module:Function(Args...)`. */
export type RpcHandler = (args: readonly Term[], ctx: RpcContext) => Term | Promise<Term>;

/** A handler's outcome, in the terms erpc and rex need to build their replies. */
export type RpcOutcome =
  | { readonly kind: 'return'; readonly value: Term }
  | { readonly kind: 'undef' }
  | { readonly kind: 'error'; readonly reason: Term };

export function rpcKey(module: string, fun: string, arity: number): string {
  return `${module}:${fun}/${arity}`;
}

export class RpcTable {
  private readonly handlers = new Map<string, RpcHandler>();

  register(module: string, fun: string, arity: number, handler: RpcHandler): void {
    this.handlers.set(rpcKey(module, fun, arity), handler);
  }

  has(module: string, fun: string, arity: number): boolean {
    return this.handlers.has(rpcKey(module, fun, arity));
  }

  keys(): string[] {
    return [...this.handlers.keys()].sort();
  }

  async run(
    module: string,
    fun: string,
    args: readonly Term[],
    ctx: RpcContext,
    toReason: (error: unknown) => Term,
  ): Promise<RpcOutcome> {
    const h = this.handlers.get(rpcKey(module, fun, args.length));
    if (h === undefined) return { kind: 'undef' };
    try {
      return { kind: 'return', value: await h(args, ctx) };
    } catch (error) {
      return { kind: 'error', reason: toReason(error) };
    }
  }
}
