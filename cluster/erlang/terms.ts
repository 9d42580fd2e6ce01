/**
 * The JavaScript shape of Erlang terms. Chosen so that every term BEAM sends comes back out of
 * `encode(decode(bytes))` equal (`=:=`) to what went in, and so that kinds Erlang tells apart stay
 * apart in JavaScript:
 *
 * | Erlang                     | JavaScript                                             |
 * | -------------------------- | ------------------------------------------------------ |
 * | integer                    | `number` (safe integers) or `bigint` (beyond 2^53)     |
 * | float                      | `ErlFloat` (so `1.0` stays a float and `-0.0` keeps its sign); a non-integer `number` encodes as a float too |
 * | atom                       | `Atom`; `true`/`false` are JavaScript booleans         |
 * | binary                     | `Uint8Array` (a JavaScript `string` encodes as a UTF-8 binary, as Elixir strings are) |
 * | bitstring                  | `BitBinary`                                            |
 * | proper list, string ("ab") | `Term[]` (a charlist is an array of numbers)           |
 * | improper list              | `ImproperList`                                         |
 * | tuple                      | `Tuple`                                                |
 * | map                        | `Map<Term, Term>` (a plain object encodes as a map with atom keys) |
 * | pid, port, reference       | `Pid`, `Port`, `Ref`                                   |
 * | fun, external fun          | `OpaqueFun` (carried as the bytes it arrived as)       |
 */

export type Term =
  | number
  | bigint
  | boolean
  | string
  | ErlFloat
  | Atom
  | Uint8Array
  | BitBinary
  | readonly Term[]
  | ImproperList
  | Tuple
  | ReadonlyMap<Term, Term>
  | Pid
  | Port
  | Ref
  | OpaqueFun
  | { readonly [key: string]: Term };

/** An atom. Compare with `isAtom(t, 'ok')` or by `.name`; instances are not unique. */
export class Atom {
  constructor(readonly name: string) {}
  toString(): string {
    return this.name;
  }
}

// Atoms the runtime itself uses are shared, so the hot paths allocate none. Atoms that arrive
// over the wire are not interned: a peer must not be able to grow a table without bound.
const common = new Map<string, Atom>();
/** An atom; common ones are shared instances. */
export function atom(name: string): Atom {
  const found = common.get(name);
  if (found !== undefined) return found;
  return new Atom(name);
}
/** Adds atoms to the shared set (only for names the program itself uses). */
export function internAtoms(...names: string[]): void {
  for (const n of names) if (!common.has(n)) common.set(n, new Atom(n));
}
internAtoms(
  '',
  'ok',
  'error',
  'undefined',
  'nil',
  'rex',
  'net_kernel',
  'echo',
  'yes',
  'no',
  'badrpc',
  'EXIT',
  '$gen_call',
  'is_auth',
  'call',
  'block_call',
  'noproc',
  'normal',
  'noconnection',
  'undef',
  'return',
  'throw',
  'exit',
  'erpc',
  'process',
  'DOWN',
  'erlang',
  'observatory',
);

/** An Erlang float; `value` may be `-0`. */
export class ErlFloat {
  constructor(readonly value: number) {}
}

/** A bitstring whose last byte holds only `bits` (1..8) significant high bits. */
export class BitBinary {
  constructor(
    readonly bytes: Uint8Array,
    readonly bits: number,
  ) {}
}

export class Tuple {
  constructor(readonly elements: readonly Term[]) {}
  get length(): number {
    return this.elements.length;
  }
  at(i: number): Term | undefined {
    return this.elements[i];
  }
}

/** `[a, b | tail]` with a tail that is not `[]`. */
export class ImproperList {
  constructor(
    readonly elements: readonly Term[],
    readonly tail: Term,
  ) {}
}

export class Pid {
  constructor(
    readonly node: Atom,
    readonly id: number,
    readonly serial: number,
    readonly creation: number,
  ) {}
  /** a stable string key for tables */
  get key(): string {
    return `${this.node.name}.${this.id}.${this.serial}.${this.creation}`;
  }
}

export class Port {
  constructor(
    readonly node: Atom,
    readonly id: bigint,
    readonly creation: number,
  ) {}
}

export class Ref {
  constructor(
    readonly node: Atom,
    readonly creation: number,
    readonly ids: readonly number[],
  ) {}
  get key(): string {
    return `${this.node.name}.${this.creation}.${this.ids.join('.')}`;
  }
}

/** A fun or external fun, kept as its encoded bytes (tag included): nothing here runs code. */
export class OpaqueFun {
  constructor(readonly encoded: Uint8Array) {}
}

export function tuple(...elements: Term[]): Tuple {
  return new Tuple(elements);
}

export function isAtom(t: unknown, name?: string): t is Atom {
  return t instanceof Atom && (name === undefined || t.name === name);
}

/** `t` is a tuple of `size` elements whose first is the atom `tag` (when given). */
export function isTagged(t: unknown, tag: string, size?: number): t is Tuple {
  return (
    t instanceof Tuple &&
    (size === undefined || t.elements.length === size) &&
    isAtom(t.elements[0], tag)
  );
}

/** Erlang's `=:=` on our representation. */
export function termEquals(a: Term, b: Term): boolean {
  if (a === b) return true;
  if (typeof a === 'number' || typeof a === 'bigint') {
    return (typeof b === 'number' || typeof b === 'bigint') && BigInt(a) === BigInt(b);
  }
  if (typeof a === 'boolean' || typeof b === 'boolean') return false;
  if (a instanceof ErlFloat) return b instanceof ErlFloat && Object.is(a.value, b.value);
  if (a instanceof Atom) return b instanceof Atom && a.name === b.name;
  if (typeof a === 'string' || a instanceof Uint8Array) {
    const x = typeof a === 'string' ? new TextEncoder().encode(a) : a;
    if (typeof b !== 'string' && !(b instanceof Uint8Array)) return false;
    const y = typeof b === 'string' ? new TextEncoder().encode(b) : b;
    return bytesEqual(x, y);
  }
  if (a instanceof BitBinary)
    return b instanceof BitBinary && a.bits === b.bits && bytesEqual(a.bytes, b.bytes);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x: Term, i: number) => termEquals(x, (b as Term[])[i]!));
  }
  if (a instanceof ImproperList)
    return (
      b instanceof ImproperList && termEquals(a.elements, b.elements) && termEquals(a.tail, b.tail)
    );
  if (a instanceof Tuple) return b instanceof Tuple && termEquals(a.elements, b.elements);
  if (a instanceof Pid)
    return (
      b instanceof Pid &&
      a.node.name === b.node.name &&
      a.id === b.id &&
      a.serial === b.serial &&
      a.creation === b.creation
    );
  if (a instanceof Port)
    return (
      b instanceof Port && a.node.name === b.node.name && a.id === b.id && a.creation === b.creation
    );
  if (a instanceof Ref)
    return (
      b instanceof Ref &&
      a.node.name === b.node.name &&
      a.creation === b.creation &&
      termEquals(a.ids, b.ids)
    );
  if (a instanceof OpaqueFun) return b instanceof OpaqueFun && bytesEqual(a.encoded, b.encoded);
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    const rest = [...(b as Map<Term, Term>).entries()];
    for (const [k, v] of a as Map<Term, Term>) {
      const i = rest.findIndex(([k2, v2]) => termEquals(k, k2) && termEquals(v, v2));
      if (i < 0) return false;
      rest.splice(i, 1);
    }
    return true;
  }
  return false;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The value under `key` of an Erlang map, comparing keys as `=:=`. */
export function mapGet(map: ReadonlyMap<Term, Term>, key: Term): Term | undefined {
  for (const [k, v] of map) if (termEquals(k, key)) return v;
  return undefined;
}
