/**
 * The Wing–Gong–Lowe linearizability search over one key's operations, with Lowe's memo of
 * visited (linearized set, state) pairs (the set as a bitset, hashed incrementally by Zobrist
 * hashing). Calls and returns sit in a doubly linked list in real-time order; the search
 * linearizes a pending call whenever the model allows it, lifts it out of the list, and
 * backtracks when it reaches a return whose call it has not linearized yet.
 *
 * Open operations (`info`: no return, `ret` Infinity) that are the same model operation are
 * interchangeable, and the memo counts them instead of naming them: see `openSlots`.
 */
import type { Model, ModelOp, Primitive } from './models.ts';

/** One operation as the search sees it: `ret` is Infinity for an open end (unknown outcome). */
export interface SearchOp {
  readonly op: ModelOp;
  /** real-time position of the invoke (e.g. its line); positions are distinct */
  readonly call: number;
  readonly ret: number;
}

export interface SearchBudget {
  /** memoised states this search may add before giving up */
  readonly maxStates: number;
  /** monotonic ms after which it gives up */
  readonly deadline: number;
  readonly now: () => number;
}

export type SearchResult =
  | { readonly verdict: 'pass' | 'fail'; readonly states: number }
  | { readonly verdict: 'unknown'; readonly states: number; readonly reason: 'states' | 'time' };

function hashPrimitive(v: Primitive): number {
  if (v === null) return 0x9e3779b9;
  if (typeof v === 'boolean') return v ? 0x85ebca6b : 0xc2b2ae35;
  if (typeof v === 'number' && (v | 0) === v) return Math.imul(v ^ (v >>> 16), 0x45d9f3b) >>> 0;
  const s = typeof v === 'number' ? `#${v}` : v;
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Deterministic 32-bit values (xorshift32) so that runs are reproducible. */
function zobristTable(n: number): Uint32Array {
  const z = new Uint32Array(n);
  let x = 0x2545f491;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    z[i] = x >>> 0;
  }
  return z;
}

/**
 * The bitset position each operation marks in the memo when it is linearized. A strict
 * (completed) operation marks its own bit. Open operations are grouped into classes of equal
 * model operations (same f, input, output, known): the k-th member of a class to be linearized,
 * whichever it is, marks the bit of the class's k-th member (in any fixed order). So the memo
 * holds (the strict operations linearized, how many of each class, state) rather than which open
 * operations: with c open adds of one value, c + 1 memo entries instead of 2^c.
 *
 * Why this is exact (no `pass` without a linearization, no `fail` with one). The memo may skip a
 * configuration only if one it already searched has the same futures. Take two configurations A
 * and B reached with the same strict operations linearized, the same count per class and the same
 * state. (1) Their lists agree on every strict entry, so the first unlinearized return — the
 * frontier, before which every call may be linearized next — is the same entry F in both; open
 * operations have no return before the end, so F depends only on the strict operations. (2) Every
 * open operation linearized in A or B was linearized when its call stood before the frontier of
 * that moment, and the frontier only moves forward as the strict set grows, so it is before F.
 * (3) Hence in each of A and B the unlinearized open operations of a class c are: those of c
 * called before F, minus as many as the count of c — the same number, of the same model operation
 * — plus those called after F, which are the same operations in both. Renaming the members of c
 * called before F maps A's remaining operations onto B's one to one, preserving the model
 * operation, the list positions that matter (all before F, or identical) and the open end, so a
 * linearization of A's remainder maps to one of B's and back. The search therefore decides A and
 * B alike, and the memo (which only ever returns a verdict searched before, or a configuration on
 * the current path) stays exact. This is the counter's case (open adds commute: only how many of
 * each amount have happened matters, not which), and also open register writes of one value.
 */
function openSlots(ops: readonly SearchOp[]): { classOf: Int32Array; members: Int32Array[] } {
  const classOf = new Int32Array(ops.length).fill(-1);
  const byKey = new Map<string, number[]>();
  ops.forEach((o, i) => {
    if (o.ret !== Infinity) return;
    const key = JSON.stringify([o.op.f, o.op.input, o.op.output, o.op.known]);
    const list = byKey.get(key);
    if (list) list.push(i);
    else byKey.set(key, [i]);
  });
  const members: Int32Array[] = [];
  for (const list of byKey.values()) {
    for (const i of list) classOf[i] = members.length;
    members.push(Int32Array.from(list));
  }
  return { classOf, members };
}

interface Memo {
  readonly bits: Uint32Array;
  readonly state: Primitive;
}

/** True when the operations admit a linearization (see SearchResult for the budget). */
export function searchLinearization(
  model: Model,
  ops: readonly SearchOp[],
  budget: SearchBudget,
): SearchResult {
  const n = ops.length;
  // the clock is read every 1024 steps below; a key must not start past the deadline either
  if (budget.now() > budget.deadline) return { verdict: 'unknown', states: 0, reason: 'time' };
  if (n === 0) return { verdict: 'pass', states: 0 };
  // entry 2i is op i's call, 2i+1 its return; HEAD is the list's sentinel
  const HEAD = 2 * n;
  const order = new Int32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) order[i] = i;
  const pos = (e: number): number => {
    const o = ops[e >> 1]!;
    return e & 1 ? o.ret : o.call;
  };
  order.sort((a, b) => {
    const pa = pos(a);
    const pb = pos(b);
    return pa === pb ? a - b : pa < pb ? -1 : 1;
  });
  const next = new Int32Array(2 * n + 1).fill(-1);
  const prev = new Int32Array(2 * n + 1).fill(-1);
  let last = HEAD;
  for (const e of order) {
    next[last] = e;
    prev[e] = last;
    last = e;
  }
  const lift = (i: number): void => {
    for (const e of [2 * i, 2 * i + 1]) {
      const p = prev[e]!;
      const q = next[e]!;
      next[p] = q;
      if (q !== -1) prev[q] = p;
    }
  };
  const unlift = (i: number): void => {
    for (const e of [2 * i + 1, 2 * i]) {
      const p = prev[e]!;
      const q = next[e]!;
      next[p] = e;
      if (q !== -1) prev[q] = e;
    }
  };

  const { classOf, members } = openSlots(ops);
  const linearizedOf = new Int32Array(members.length);
  /** the memo bit `i` marks when linearized now (see openSlots) */
  const takeSlot = (i: number): number => {
    const c = classOf[i]!;
    return c < 0 ? i : members[c]![linearizedOf[c]!++]!;
  };
  /** the memo bit `i` marked, when it is the last of its class linearized (undo, LIFO) */
  const giveSlot = (i: number): number => {
    const c = classOf[i]!;
    return c < 0 ? i : members[c]![--linearizedOf[c]!]!;
  };
  const zobrist = zobristTable(n);
  const words = (n + 31) >>> 5;
  const bits = new Uint32Array(words);
  let zh = 0;
  const memo = new Map<number, Memo[]>();
  let states = 0;
  const seen = (state: Primitive): boolean => {
    const key = (zh ^ Math.imul(hashPrimitive(state), 0x27d4eb2d)) >>> 0;
    const bucket = memo.get(key);
    if (bucket) {
      outer: for (const m of bucket) {
        if (m.state !== state) continue;
        for (let w = 0; w < words; w++) if (m.bits[w] !== bits[w]) continue outer;
        return true;
      }
    }
    const entry = { bits: bits.slice(), state };
    if (bucket) bucket.push(entry);
    else memo.set(key, [entry]);
    states++;
    return false;
  };

  const stackOp: number[] = [];
  const stackState: Primitive[] = [];
  let state = model.init;
  let entry = next[HEAD]!;
  let steps = 0;
  while (next[HEAD] !== -1) {
    if ((++steps & 1023) === 0 && budget.now() > budget.deadline)
      return { verdict: 'unknown', states, reason: 'time' };
    if ((entry & 1) === 0) {
      const i = entry >> 1;
      const after = model.step(state, ops[i]!.op);
      if (after !== undefined) {
        const slot = takeSlot(i);
        bits[slot >>> 5]! |= 1 << (slot & 31);
        zh ^= zobrist[slot]!;
        if (!seen(after)) {
          if (states > budget.maxStates) return { verdict: 'unknown', states, reason: 'states' };
          stackOp.push(i);
          stackState.push(state);
          state = after;
          lift(i);
          entry = next[HEAD]!;
          continue;
        }
        giveSlot(i);
        bits[slot >>> 5]! &= ~(1 << (slot & 31));
        zh ^= zobrist[slot]!;
      }
      entry = next[entry]!;
    } else {
      // a return whose call is not linearized: undo the last choice and try the next call
      const i = stackOp.pop();
      if (i === undefined) return { verdict: 'fail', states };
      state = stackState.pop()!;
      const slot = giveSlot(i);
      bits[slot >>> 5]! &= ~(1 << (slot & 31));
      zh ^= zobrist[slot]!;
      unlift(i);
      entry = next[2 * i]!;
    }
  }
  return { verdict: 'pass', states };
}
