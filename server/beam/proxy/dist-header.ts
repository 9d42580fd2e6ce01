/**
 * Reads just enough of a distribution frame to name its destination: the distribution header
 * (erl_ext_dist "Distribution Header", with the atom cache, and the fragment headers 131/69 and
 * 131/70) and the first elements of the control tuple. Pure: bytes in, a classification out.
 * Nothing is decoded beyond the destination, so a frame costs its header, not its message.
 */
import { ByteCursor } from '../../../cluster/byte-cursor.ts';
import { TAG } from '../../../cluster/erlang/etf/tags.ts';

const PASS_THROUGH = 112;
const VERSION = 131;
const DIST_HEADER = 68;
const DIST_FRAG_HEADER = 69;
const DIST_FRAG_CONT = 70;
const CACHE_ENTRIES = 2048;

/** The channel of a message whose destination could not be read (see docs/erlang.md). */
export const UNKNOWN_DESTINATION = 'dest:unknown';

/**
 * One direction's atom cache: 8 segments of 256 atoms, filled by the sender's "new entry"
 * references and read by later headers' cached references.
 */
export class AtomCache {
  readonly atoms: (string | undefined)[] = new Array<string | undefined>(CACHE_ENTRIES);
}

/** What a frame turned out to be. */
export type FrameKind =
  | { readonly kind: 'tick' }
  /** a whole message (or a first fragment whose `fragments` say how many follow, itself included) */
  | {
      readonly kind: 'message';
      readonly channel: string;
      readonly sequence?: bigint;
      readonly fragments?: bigint;
    }
  | { readonly kind: 'fragment'; readonly sequence: bigint; readonly fragmentId: bigint }
  /** the prefix is too short to tell yet */
  | { readonly kind: 'more' };

/** Ran past the end of the prefix: more bytes are needed. */
class Short extends Error {}
const SHORT = new Short();
/** The bytes are not what the protocol allows, or use something not read here. */
class Opaque extends Error {}
const OPAQUE = new Opaque();

/** The cursor over a prefix: running past its end means "wait for more bytes" (SHORT). */
class Reader extends ByteCursor<Buffer> {
  constructor(b: Buffer, start: number) {
    super(b, start, b.length, () => SHORT);
  }
  text(n: number): string {
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

/** atom text or, for a cached atom the cache does not hold, `undefined` */
type Refs = (string | undefined)[];

/**
 * Reads the atom cache references of a header; the new entries are returned, not stored, so that
 * a prefix read again once more bytes arrived does not apply them twice.
 */
function readCacheRefs(r: Reader, cache: AtomCache, updates: [number, string][]): Refs {
  const count = r.u8();
  if (count === 0) return [];
  const flagBytes = (count >> 1) + 1;
  r.need(flagBytes);
  const flagsAt = r.pos;
  r.pos += flagBytes;
  const flag = (i: number): number => (r.buf[flagsAt + (i >> 1)]! >> ((i & 1) * 4)) & 0xf;
  const longAtoms = (flag(count) & 1) === 1;
  const refs: Refs = [];
  for (let i = 0; i < count; i++) {
    const f = flag(i);
    const index = ((f & 7) << 8) | r.u8();
    if ((f & 8) !== 0) {
      const length = longAtoms ? r.u16() : r.u8();
      const text = r.text(length);
      updates.push([index, text]);
      refs.push(text);
    } else {
      refs.push(cache.atoms[index]);
    }
  }
  return refs;
}

/** An atom at the reader, or `undefined` when it is a cache reference the cache cannot resolve. */
function readAtom(r: Reader, refs: Refs | undefined): string | undefined {
  const tag = r.u8();
  switch (tag) {
    case TAG.ATOM_CACHE_REF: {
      const i = r.u8();
      if (refs === undefined || i >= refs.length) throw OPAQUE;
      return refs[i];
    }
    case TAG.ATOM:
    case TAG.ATOM_UTF8:
      return r.text(r.u16());
    case TAG.SMALL_ATOM:
    case TAG.SMALL_ATOM_UTF8:
      return r.text(r.u8());
    default:
      throw OPAQUE;
  }
}

/** A pid as the receiving node prints it (`<0.ID.Serial>`), or skips any other simple term. */
function readSimple(r: Reader, refs: Refs | undefined): string | number | undefined {
  const tag = r.buf[r.pos];
  r.need(1);
  switch (tag) {
    case TAG.SMALL_INTEGER:
      r.pos++;
      return r.u8();
    case TAG.INTEGER:
      r.pos++;
      return r.u32() | 0;
    case TAG.NEW_PID:
    case TAG.PID: {
      r.pos++;
      readAtom(r, refs);
      const id = r.u32();
      const serial = r.u32();
      r.skip(tag === TAG.NEW_PID ? 4 : 1);
      return `<0.${id}.${serial}>`;
    }
    case TAG.NEWER_REFERENCE:
    case TAG.NEW_REFERENCE: {
      r.pos++;
      const words = r.u16();
      readAtom(r, refs);
      r.skip((tag === TAG.NEWER_REFERENCE ? 4 : 1) + 4 * words);
      return 'ref';
    }
    case TAG.NIL:
      r.pos++;
      return 'nil';
    default:
      return readAtom(r, refs);
  }
}

/** Control operations (erl_dist_protocol "Protocol between Connected Nodes") by family. */
const FAMILY: Record<number, string> = {
  1: 'ctl:link',
  3: 'ctl:exit',
  4: 'ctl:link',
  5: 'ctl:link',
  7: 'ctl:group_leader',
  8: 'ctl:exit',
  13: 'ctl:exit',
  18: 'ctl:exit',
  19: 'ctl:monitor',
  20: 'ctl:monitor',
  21: 'ctl:monitor',
  24: 'ctl:exit',
  25: 'ctl:exit',
  26: 'ctl:exit',
  27: 'ctl:exit',
  28: 'ctl:monitor',
  29: 'ctl:spawn',
  30: 'ctl:spawn',
  31: 'ctl:spawn',
  32: 'ctl:spawn',
  35: 'ctl:link',
  36: 'ctl:link',
};
/** sends to a pid: the destination is element 2 */
const PID_SENDS = new Set([2, 12, 22, 23]);
/** sends to a registered name: the destination is element 3 */
const NAME_SENDS = new Set([6, 16]);
/** sends to an alias (a reference) */
const ALIAS_SENDS = new Set([33, 34]);

/** The destination channel of a control tuple at the reader. */
function readControl(r: Reader, refs: Refs | undefined): string {
  const tag = r.u8();
  let arity: number;
  if (tag === TAG.SMALL_TUPLE) arity = r.u8();
  else if (tag === TAG.LARGE_TUPLE) arity = r.u32();
  else throw OPAQUE;
  if (arity < 1) throw OPAQUE;
  const op = readSimple(r, refs);
  if (typeof op !== 'number') throw OPAQUE;
  if (PID_SENDS.has(op) || NAME_SENDS.has(op)) {
    const at = PID_SENDS.has(op) ? 2 : 3;
    if (arity <= at) throw OPAQUE;
    for (let i = 1; i < at; i++) readSimple(r, refs);
    const to = readSimple(r, refs);
    if (to === undefined) return UNKNOWN_DESTINATION;
    if (typeof to !== 'string') throw OPAQUE;
    return NAME_SENDS.has(op) ? `reg:${to}` : `pid:${to}`;
  }
  if (ALIAS_SENDS.has(op)) return 'alias:ref';
  return FAMILY[op] ?? `ctl:${op}`;
}

/** Control tuple after a header; `unknown` when it cannot be read from the bytes given. */
function controlOrUnknown(r: Reader, refs: Refs | undefined, complete: boolean): string {
  try {
    return readControl(r, refs);
  } catch (e) {
    if (e === OPAQUE || (e === SHORT && complete)) return UNKNOWN_DESTINATION;
    throw e;
  }
}

/**
 * Classifies a frame from its first bytes (`prefix`, the frame body without its length) whose
 * whole body is `frameBytes` long. Returns `more` while the prefix is too short; a prefix of the
 * whole frame (or of `maxPrefix` bytes) always classifies. New atom cache entries are stored in
 * `cache` once the frame is classified.
 */
export function classifyFrame(
  prefix: Buffer,
  frameBytes: number,
  cache: AtomCache,
  maxPrefix: number,
): FrameKind {
  if (frameBytes === 0) return { kind: 'tick' };
  const complete = prefix.length >= frameBytes || prefix.length >= maxPrefix;
  const updates: [number, string][] = [];
  try {
    const kind = classifyFrom(new Reader(prefix, 0), cache, updates, complete);
    for (const [i, text] of updates) cache.atoms[i] = text;
    return kind;
  } catch (e) {
    if (e === SHORT && !complete) return { kind: 'more' };
    if (e !== SHORT && e !== OPAQUE) throw e;
    // A header that cannot be read leaves the cache unknown from here on: later references
    // might resolve to stale atoms, so they read as unknown instead.
    cache.atoms.fill(undefined);
    return { kind: 'message', channel: UNKNOWN_DESTINATION };
  }
}

function classifyFrom(
  r: Reader,
  cache: AtomCache,
  updates: [number, string][],
  complete: boolean,
): FrameKind {
  const first = r.u8();
  if (first === PASS_THROUGH) {
    if (r.u8() !== VERSION) throw OPAQUE;
    return { kind: 'message', channel: controlOrUnknown(r, undefined, complete) };
  }
  if (first !== VERSION) throw OPAQUE;
  const type = r.u8();
  if (type === DIST_FRAG_CONT) {
    const sequence = r.u64();
    return { kind: 'fragment', sequence, fragmentId: r.u64() };
  }
  if (type === DIST_HEADER) {
    const refs = readCacheRefs(r, cache, updates);
    return { kind: 'message', channel: controlOrUnknown(r, refs, complete) };
  }
  if (type === DIST_FRAG_HEADER) {
    const sequence = r.u64();
    const fragments = r.u64();
    const refs = readCacheRefs(r, cache, updates);
    return { kind: 'message', channel: controlOrUnknown(r, refs, complete), sequence, fragments };
  }
  throw OPAQUE;
}
