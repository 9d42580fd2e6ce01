/** fast-check generators of terms, for property tests (test-only). */
import fc from 'fast-check';
import {
  Atom,
  BitBinary,
  ErlFloat,
  ImproperList,
  Pid,
  Ref,
  Tuple,
  type Term,
} from '../../terms.ts';

const atomName = fc.oneof(
  fc.string({ minLength: 0, maxLength: 20 }),
  fc.constantFrom('ok', 'ärger', 'λ', '日本', 'with space', "it's"),
);
const node = fc.constantFrom('a@127.0.0.1', 'ts1@127.0.0.1', 'b@host').map((n) => new Atom(n));

const leaf: fc.Arbitrary<Term> = fc.oneof(
  fc.integer(),
  fc.integer({ min: 0, max: 255 }),
  fc
    .bigInt({ min: -(2n ** 400n), max: 2n ** 400n })
    .map((b) =>
      b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b,
    ),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => new ErlFloat(d)),
  atomName.filter((n) => n !== 'true' && n !== 'false').map((n) => new Atom(n)),
  fc.boolean(),
  fc.uint8Array({ maxLength: 40 }),
  fc
    .tuple(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 7 }))
    .map(([b, bits]) => {
      const c = b.slice();
      c[c.length - 1] = c[c.length - 1]! & ((0xff << (8 - bits)) & 0xff);
      return new BitBinary(c, bits);
    }),
  fc
    .tuple(
      node,
      fc.integer({ min: 0, max: 2 ** 28 - 1 }),
      fc.integer({ min: 0, max: 2 ** 13 - 1 }),
      fc.nat(),
    )
    .map(([n, id, serial, cr]) => new Pid(n, id, serial, cr)),
  fc
    .tuple(
      node,
      fc.nat(),
      fc.tuple(
        fc.integer({ min: 0, max: 2 ** 18 - 1 }),
        fc.array(fc.nat(), { minLength: 2, maxLength: 4 }),
      ),
    )
    .map(([n, cr, [first, rest]]) => new Ref(n, cr, [first, ...rest])),
);

/** Any term, nested up to a few levels. */
export const anyTerm: fc.Arbitrary<Term> = fc.letrec<{ term: Term }>((tie) => ({
  term: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('term'), { maxLength: 5 }),
    fc.array(tie('term'), { maxLength: 5 }).map((xs) => new Tuple(xs)),
    fc
      .tuple(fc.array(tie('term'), { minLength: 1, maxLength: 3 }), leaf)
      .filter(([, t]) => !Array.isArray(t))
      .map(([xs, t]) => new ImproperList(xs, t)),
    fc
      .array(fc.tuple(leaf, tie('term')), { maxLength: 4 })
      .map((kvs) => new Map<Term, Term>(dedupe(kvs))),
  ),
})).term;

/** Erlang map keys are unique by `=:=`; keep the first of equal keys. */
function dedupe(kvs: [Term, Term][]): [Term, Term][] {
  const out: [Term, Term][] = [];
  for (const kv of kvs) if (!out.some(([k]) => sameKey(k, kv[0]))) out.push(kv);
  return out;
}
function sameKey(a: Term, b: Term): boolean {
  return JSON.stringify(keyOf(a)) === JSON.stringify(keyOf(b));
}
function keyOf(t: Term): unknown {
  if (typeof t === 'bigint') return `big:${t}`;
  if (typeof t === 'number') return `int:${t}`;
  if (t instanceof Uint8Array) return `bin:${Buffer.from(t).toString('hex')}`;
  if (t instanceof ErlFloat) return `float:${Object.is(t.value, -0) ? '-0' : t.value}`;
  if (t instanceof Atom) return `atom:${t.name}`;
  if (t instanceof BitBinary) return `bits:${t.bits}:${Buffer.from(t.bytes).toString('hex')}`;
  if (t instanceof Pid) return `pid:${t.key}`;
  if (t instanceof Ref) return `ref:${t.key}`;
  return `other:${typeof t === 'boolean' ? String(t) : typeof t}`;
}
