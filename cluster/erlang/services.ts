/**
 * The processes every node runs, answering as their BEAM namesakes do: `net_kernel` (is_auth:
 * what makes `net_adm:ping/1` answer pong), `rex` (rpc:call's server, `{call|block_call, M, F,
 * A, GL}`), `echo` (the issue's exercise), and spawn requests of `erpc:execute_call/4` (OTP 25's
 * rpc:call), whose result travels back as the reason of the monitor's DOWN.
 */
import type { DistMessage } from './dist/control.ts';
import { OP } from './dist/control.ts';
import type { ErlangNodeCore, LocalProcess } from './node.ts';
import type { RpcOutcome } from './rpc.ts';
import { Atom, Pid, Ref, Tuple, atom, isAtom, isTagged, tuple, type Term } from './terms.ts';

const GEN_CALL = '$gen_call';

/** `{'$gen_call', {From, Tag}, Request}` → `[From, Tag, Request]`. */
function genCall(msg: Term): [Pid, Term, Term] | undefined {
  if (!isTagged(msg, GEN_CALL, 3)) return undefined;
  const from = msg.elements[1];
  if (!(from instanceof Tuple) || from.elements.length !== 2) return undefined;
  const pid = from.elements[0];
  if (!(pid instanceof Pid)) return undefined;
  return [pid, from.elements[1]!, msg.elements[2]!];
}

/** The reason a failed handler exits with: `{observatory_error, <<"message">>}`. */
export function errorReason(error: unknown): Term {
  return tuple(atom('observatory_error'), error instanceof Error ? error.message : String(error));
}

/** `{M, F, A}` from a request, when well-formed. */
function mfa(
  m: Term | undefined,
  f: Term | undefined,
  a: Term | undefined,
): [string, string, Term[]] | undefined {
  if (!(m instanceof Atom) || !(f instanceof Atom) || !Array.isArray(a)) return undefined;
  return [m.name, f.name, a as Term[]];
}

function undefStack(m: string, f: string, a: Term[]): Term {
  return [tuple(atom(m), atom(f), a, [])];
}

/** rpc:execute_call/3's answer for an outcome: the value, or `{badrpc, {'EXIT', …}}`. */
function rexReply(o: RpcOutcome, m: string, f: string, a: Term[]): Term {
  if (o.kind === 'return') return o.value;
  const exit = o.kind === 'undef' ? tuple(atom('undef'), undefStack(m, f, a)) : tuple(o.reason, []);
  return tuple(atom('badrpc'), tuple(atom('EXIT'), exit));
}

/** erpc:execute_call/4's exit reason for an outcome. */
function erpcReason(res: Term, o: RpcOutcome, m: string, f: string, a: Term[]): Term {
  if (o.kind === 'return') return tuple(res, atom('return'), o.value);
  if (o.kind === 'undef') return tuple(res, atom('error'), atom('undef'), undefStack(m, f, a));
  return tuple(res, atom('error'), o.reason, []);
}

class Service implements LocalProcess {
  constructor(
    readonly pid: Pid,
    readonly deliver: (msg: Term, from?: Pid) => void,
  ) {}
}

/** Starts net_kernel, rex and (unless `echo` is false) echo on `node`, and the erpc handler. */
export function installServices(node: ErlangNodeCore, options: { echo: boolean }): void {
  const reply = (to: Pid, msg: Term, from: Pid) => node.send(to, msg, from);

  const netKernel: Service = new Service(node.makePid(), (msg) => {
    const call = genCall(msg);
    if (call === undefined) return;
    const [from, tag, request] = call;
    if (isTagged(request, 'is_auth', 2)) reply(from, tuple(tag, atom('yes')), netKernel.pid);
  });
  node.addProcess(netKernel, 'net_kernel');

  const rex: Service = new Service(node.makePid(), (msg) => {
    const call = genCall(msg);
    if (call !== undefined) {
      const [from, tag, request] = call;
      if (!(isTagged(request, 'call', 5) || isTagged(request, 'block_call', 5))) return;
      const [, m, f, a] = request.elements;
      const parsed = mfa(m, f, a);
      if (parsed === undefined) return;
      void node.rpc
        .run(
          parsed[0],
          parsed[1],
          parsed[2],
          { self: rex.pid, caller: from, peer: from.node.name },
          errorReason,
        )
        .then((o) => reply(from, tuple(tag, rexReply(o, ...parsed)), rex.pid));
      return;
    }
    // The pre-gen_server form: {From, {call, M, F, A, GL}} answered with {rex, Reply}.
    if (msg instanceof Tuple && msg.elements.length === 2 && msg.elements[0] instanceof Pid) {
      const from = msg.elements[0];
      const request = msg.elements[1];
      if (!isTagged(request, 'call', 5)) return;
      const parsed = mfa(request.elements[1], request.elements[2], request.elements[3]);
      if (parsed === undefined) return;
      void node.rpc
        .run(
          parsed[0],
          parsed[1],
          parsed[2],
          { self: rex.pid, caller: from, peer: from.node.name },
          errorReason,
        )
        .then((o) => reply(from, tuple(atom('rex'), rexReply(o, ...parsed)), rex.pid));
    }
  });
  node.addProcess(rex, 'rex');

  if (options.echo) {
    const echo: Service = new Service(node.makePid(), (msg) => {
      if (!(msg instanceof Tuple)) return;
      const e = msg.elements;
      // {From, Ref, Term} → From ! {Ref, Term};  {From, Term} → From ! {EchoPid, Term}
      if (e.length === 3 && e[0] instanceof Pid) reply(e[0], tuple(e[1]!, e[2]!), echo.pid);
      else if (e.length === 2 && e[0] instanceof Pid) reply(e[0], tuple(echo.pid, e[1]!), echo.pid);
    });
    node.addProcess(echo, 'echo');
  }

  node.onSpawnRequest = (peer, msg) => spawnRequest(node, peer, msg);
}

/**
 * SPAWN_REQUEST {29, ReqId, From, GroupLeader, {M, F, Arity}, Opts} + Args. Only erpc's
 * execute_call/4 and execute_cast/3 are run (as calls into the allowlist); anything else is
 * answered `notsup`, so the caller sees `{badrpc, notsup}`-like errors and nothing runs.
 */
function spawnRequest(node: ErlangNodeCore, peer: string, msg: DistMessage): void {
  const [, reqId, from, , target, opts] = msg.control;
  if (!(reqId instanceof Ref) || !(from instanceof Pid) || !(target instanceof Tuple)) return;
  const [mod, fun, arity] = target.elements;
  const args = Array.isArray(msg.payload) ? (msg.payload as Term[]) : undefined;
  const optList = Array.isArray(opts) ? (opts as Term[]) : [];
  const wantsMonitor = optList.some((o) => isAtom(o, 'monitor') || isTagged(o, 'monitor', 2));
  const wantsLink = optList.some((o) => isAtom(o, 'link'));
  const isErpc = isAtom(mod, 'erpc') && args !== undefined;
  const call =
    isErpc && isAtom(fun, 'execute_call') && arity === 4
      ? mfa(args[1], args[2], args[3])
      : undefined;
  const cast =
    isErpc && isAtom(fun, 'execute_cast') && arity === 3
      ? mfa(args[0], args[1], args[2])
      : undefined;
  if (call === undefined && cast === undefined) {
    node.sendControl(peer, tuple(OP.SPAWN_REPLY, reqId, from, 0, atom('notsup')), undefined, 'rpc');
    return;
  }
  const pid = node.makePid();
  const flags = (wantsLink ? 1 : 0) | (wantsMonitor ? 2 : 0);
  node.sendControl(peer, tuple(OP.SPAWN_REPLY, reqId, from, flags, pid), undefined, 'rpc');
  const [m, f, a] = (call ?? cast)!;
  void node.rpc.run(m, f, a, { self: pid, caller: from, peer }, errorReason).then((o) => {
    const reason = call !== undefined ? erpcReason(args![0]!, o, m, f, a) : atom('normal');
    if (wantsLink) node.sendControl(peer, tuple(OP.PAYLOAD_EXIT, pid, from), reason, 'rpc');
    if (wantsMonitor)
      node.sendControl(peer, tuple(OP.PAYLOAD_MONITOR_P_EXIT, pid, from, reqId), reason, 'rpc');
  });
}

export { genCall };
