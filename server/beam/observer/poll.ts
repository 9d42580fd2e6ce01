/**
 * What one poll asks a BEAM node and how its answer is read: pure, no sockets. A poll is two
 * `rex` calls, each one `lists:zipwith(fun erlang:apply/2, Funs, Args)`, so a node spends one
 * short-lived process per call rather than one per figure. Every function applied only reads:
 * nodes, memory, counts, names, `inet:getstat/2` of the distribution ports, and the `pg`
 * scope's ETS table. (`statistics(reductions)` also resets the node-wide "since last call"
 * counter, which the observer does not use; it computes deltas of the total itself.)
 */
import {
  Atom,
  OpaqueFun,
  Port,
  Tuple,
  atom,
  formatTerm,
  isAtom,
  isTagged,
  type Term,
} from '../../../cluster/erlang/index.ts';
import { MAX_BEAM_NAMES } from '../../../protocol/telemetry.ts';

/** `fun Module:Function/Arity` as an external fun term (EXPORT_EXT): a name, not code. */
export function exportFun(module: string, fun: string, arity: number): OpaqueFun {
  const atomBytes = (name: string) => {
    const b = Buffer.from(name, 'utf8');
    if (b.length > 255) throw new RangeError(`atom too long: ${name}`);
    return [119, b.length, ...b]; // SMALL_ATOM_UTF8_EXT
  };
  return new OpaqueFun(
    Uint8Array.from([113, ...atomBytes(module), ...atomBytes(fun), 97, arity]), // EXPORT_EXT
  );
}

/** A rex call: module, function, arguments. */
export interface RexCall {
  readonly module: string;
  readonly fun: string;
  readonly args: readonly Term[];
}

/** Applies each `[module, fun, args]` in one call and returns the results in order. */
function batch(calls: readonly (readonly [string, string, readonly Term[]])[]): RexCall {
  return {
    module: 'lists',
    fun: 'zipwith',
    args: [
      exportFun('erlang', 'apply', 2),
      calls.map(([m, f, a]) => exportFun(m, f, a.length)),
      calls.map(([, , a]) => [...a]),
    ],
  };
}

/** The first call of a poll; `pgScope` is the scope whose process is looked up. */
export function firstCall(pgScope: string): RexCall {
  return batch([
    ['erlang', 'nodes', [atom('visible')]],
    ['erlang', 'nodes', [atom('hidden')]],
    ['erlang', 'memory', []],
    ['erlang', 'system_info', [atom('process_count')]],
    ['erlang', 'system_info', [atom('port_count')]],
    ['erlang', 'statistics', [atom('run_queue')]],
    ['erlang', 'statistics', [atom('reductions')]],
    ['erlang', 'registered', []],
    ['global', 'registered_names', []],
    ['erlang', 'system_info', [atom('dist_ctrl')]],
    ['erlang', 'whereis', [atom(pgScope)]],
  ]);
}

export const GETSTAT_KEYS = ['send_oct', 'recv_oct', 'send_cnt', 'recv_cnt'] as const;

/** The second call: socket counters of the distribution ports and, when it runs, the pg scope. */
export function secondCall(ports: readonly Port[], pgScope: string | undefined): RexCall {
  const keys = GETSTAT_KEYS.map((k) => atom(k));
  return batch([
    ['lists', 'zipwith', [exportFun('inet', 'getstat', 2), [...ports], ports.map(() => keys)]],
    ...(pgScope === undefined ? [] : [['ets', 'tab2list', [atom(pgScope)]] as const]),
  ]);
}

export interface DistLink {
  readonly peer: string;
  /** the controlling port; undefined when a process controls the link (TLS distribution) */
  readonly port: Port | undefined;
}

export interface FirstReply {
  readonly visible: string[];
  readonly hidden: string[];
  readonly memory: Readonly<Record<string, number>>;
  readonly processCount: number;
  readonly portCount: number;
  readonly runQueue: number;
  readonly reductionsTotal: number;
  readonly registered: string[];
  readonly globalNames: string[];
  readonly dist: DistLink[];
  readonly pgRunning: boolean;
}

export interface LinkCounters {
  readonly sendOct: number;
  readonly recvOct: number;
  readonly sendCnt: number;
  readonly recvCnt: number;
}

export interface SecondReply {
  /** per peer, in the order of the ports asked; undefined when getstat failed (link closing) */
  readonly counters: (LinkCounters | undefined)[];
  readonly pgGroups: { group: string; members: number }[];
}

/** Raised when a reply does not have the expected shape. */
export class PollReplyError extends Error {
  readonly code = 'BEAM_POLL_REPLY';
  constructor(what: string) {
    super(`unexpected poll reply: ${what}`);
    this.name = 'PollReplyError';
  }
}

const num = (t: Term | undefined, what: string): number => {
  if (typeof t === 'number') return t;
  if (typeof t === 'bigint') return Number(t);
  throw new PollReplyError(`${what} is not an integer`);
};
const list = (t: Term | undefined, what: string): readonly Term[] => {
  if (Array.isArray(t)) return t as readonly Term[];
  throw new PollReplyError(`${what} is not a list`);
};
const atoms = (t: Term | undefined, what: string): string[] =>
  list(t, what).map((x) => {
    if (x instanceof Atom) return x.name;
    throw new PollReplyError(`${what} holds a non-atom`);
  });
const cap = <T>(xs: T[]): T[] => xs.slice(0, MAX_BEAM_NAMES);

export function parseFirst(reply: Term): FirstReply {
  const r = list(reply, 'reply');
  if (r.length !== 11) throw new PollReplyError(`${r.length} results instead of 11`);
  const memory: Record<string, number> = {};
  for (const e of list(r[2], 'memory')) {
    if (e instanceof Tuple && e.elements[0] instanceof Atom)
      memory[e.elements[0].name] = num(e.elements[1], 'memory value');
  }
  const reductions = r[6];
  if (!(reductions instanceof Tuple)) throw new PollReplyError('reductions is not a tuple');
  const dist: DistLink[] = [];
  for (const e of list(r[9], 'dist_ctrl')) {
    if (!(e instanceof Tuple) || !(e.elements[0] instanceof Atom)) continue;
    const ctrl = e.elements[1];
    dist.push({ peer: e.elements[0].name, port: ctrl instanceof Port ? ctrl : undefined });
  }
  return {
    visible: atoms(r[0], 'nodes(visible)').sort(),
    hidden: atoms(r[1], 'nodes(hidden)').sort(),
    memory,
    processCount: num(r[3], 'process_count'),
    portCount: num(r[4], 'port_count'),
    runQueue: num(r[5], 'run_queue'),
    reductionsTotal: num(reductions.elements[0], 'reductions'),
    registered: cap(atoms(r[7], 'registered()').sort()),
    globalNames: cap(list(r[8], 'global names').map(formatTerm).sort()),
    dist,
    pgRunning: !isAtom(r[10], 'undefined'),
  };
}

export function parseSecond(reply: Term, askedPg: boolean): SecondReply {
  const r = list(reply, 'reply');
  if (r.length !== (askedPg ? 2 : 1)) throw new PollReplyError(`${r.length} results`);
  const counters = list(r[0], 'getstat results').map((x): LinkCounters | undefined => {
    if (!isTagged(x, 'ok', 2)) return undefined;
    const values = new Map<string, number>();
    for (const kv of list(x.elements[1], 'getstat values')) {
      if (kv instanceof Tuple && kv.elements[0] instanceof Atom)
        values.set(kv.elements[0].name, num(kv.elements[1], 'getstat value'));
    }
    return {
      sendOct: values.get('send_oct') ?? 0,
      recvOct: values.get('recv_oct') ?? 0,
      sendCnt: values.get('send_cnt') ?? 0,
      recvCnt: values.get('recv_cnt') ?? 0,
    };
  });
  const pgGroups: { group: string; members: number }[] = [];
  if (askedPg) {
    // pg keeps {Group, AllMembers, LocalMembers} per group in an ETS table named after its scope
    for (const row of list(r[1], 'pg table')) {
      if (!(row instanceof Tuple) || row.elements.length < 2) continue;
      const members = row.elements[1];
      pgGroups.push({
        group: formatTerm(row.elements[0]!).slice(0, 255),
        members: Array.isArray(members) ? members.length : 0,
      });
    }
    pgGroups.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  }
  return { counters, pgGroups: cap(pgGroups) };
}
