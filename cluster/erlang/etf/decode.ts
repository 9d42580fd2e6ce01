/**
 * External term format → terms. Pure: bytes in, terms out. Everything a peer claims (counts,
 * lengths, sizes) is checked against the bytes actually present before anything is allocated, so
 * a hostile frame costs at most its own size; nesting is bounded by `maxDepth`.
 */
import { inflateSync } from 'node:zlib';
import { ByteCursor } from '../../byte-cursor.ts';
import {
  DEFAULT_MAX_TERM_BYTES,
  DEFAULT_MAX_TERM_DEPTH,
  MAX_ATOM_CHARS,
  MAX_BIG_BYTES,
} from '../constants.ts';
import { MalformedTermError } from '../errors.ts';
import {
  Atom,
  BitBinary,
  ErlFloat,
  ImproperList,
  OpaqueFun,
  Pid,
  Port,
  Ref,
  Tuple,
  atom,
  type Term,
} from '../terms.ts';
import { TAG } from './tags.ts';

export interface DecodeOptions {
  /** deepest container nesting accepted (default DEFAULT_MAX_TERM_DEPTH) */
  readonly maxDepth?: number;
  /** largest size a compressed term may expand to (default DEFAULT_MAX_TERM_BYTES) */
  readonly maxTermBytes?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Decodes one whole term (starting with the version byte 131); trailing bytes are an error. */
export function decode(bytes: Uint8Array, options: DecodeOptions = {}): Term {
  const { term, end } = decodeAt(bytes, 0, options);
  if (end !== bytes.length) throw new MalformedTermError(`${bytes.length - end} trailing bytes`);
  return term;
}

/** Decodes the term that starts (with its version byte) at `offset`; returns where it ended. */
export function decodeAt(
  bytes: Uint8Array,
  offset: number,
  options: DecodeOptions = {},
): { term: Term; end: number } {
  const d = new Decoder(bytes, offset, options.maxDepth ?? DEFAULT_MAX_TERM_DEPTH);
  const term = d.versioned(options.maxTermBytes ?? DEFAULT_MAX_TERM_BYTES);
  return { term, end: d.pos };
}

/** Decodes `count` terms laid end to end from `offset` (a frame's control and message). */
export function decodeSeries(
  bytes: Uint8Array,
  offset: number,
  options: DecodeOptions,
  more: (first: Term) => boolean,
): { first: Term; second: Term | undefined; end: number } {
  const d = new Decoder(bytes, offset, options.maxDepth ?? DEFAULT_MAX_TERM_DEPTH);
  const max = options.maxTermBytes ?? DEFAULT_MAX_TERM_BYTES;
  const first = d.versioned(max);
  const second = more(first) ? d.versioned(max) : undefined;
  return { first, second, end: d.pos };
}

const truncated = (n: number, at: number) =>
  new MalformedTermError(`truncated term: need ${n} bytes at offset ${at}`);

class Decoder extends ByteCursor {
  /** for the signed and float reads the cursor does not have */
  private readonly view: DataView;
  constructor(
    buf: Uint8Array,
    pos: number,
    private readonly maxDepth: number,
  ) {
    super(buf, pos, buf.length, truncated);
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** A term with its version byte; a compressed term runs to the end of the buffer. */
  versioned(maxTermBytes: number): Term {
    if (this.u8() !== TAG.VERSION) throw new MalformedTermError('missing version byte 131');
    if (this.buf[this.pos] !== TAG.COMPRESSED) return this.term(0);
    this.pos++;
    const size = this.u32();
    if (size > maxTermBytes)
      throw new MalformedTermError(`compressed term expands to ${size} > ${maxTermBytes} bytes`);
    let inflated: Buffer;
    try {
      inflated = inflateSync(this.buf.subarray(this.pos), { maxOutputLength: Math.max(size, 1) });
    } catch (cause) {
      throw new MalformedTermError('bad compressed term', { cause });
    }
    if (inflated.length !== size)
      throw new MalformedTermError(`compressed term is ${inflated.length}, not ${size} bytes`);
    const inner = new Decoder(inflated, 0, this.maxDepth);
    const term = inner.term(0);
    if (inner.pos !== inflated.length)
      throw new MalformedTermError('trailing bytes in compressed term');
    this.pos = this.end;
    return term;
  }

  /** A count of things each at least `minBytes` long must fit in what is left. */
  private count(n: number, minBytes: number): number {
    if (n * minBytes > this.end - this.pos)
      throw new MalformedTermError(`count ${n} exceeds the bytes left`);
    return n;
  }

  term(depth: number): Term {
    if (depth > this.maxDepth)
      throw new MalformedTermError(`term nested deeper than ${this.maxDepth}`);
    const tag = this.u8();
    switch (tag) {
      case TAG.SMALL_INTEGER:
        return this.u8();
      case TAG.INTEGER: {
        this.need(4);
        const v = this.view.getInt32(this.pos);
        this.pos += 4;
        return v;
      }
      case TAG.NEW_FLOAT: {
        this.need(8);
        const v = this.view.getFloat64(this.pos);
        this.pos += 8;
        return new ErlFloat(v);
      }
      case TAG.FLOAT: {
        const text = latin1.decode(this.bytes(31)).replace(/\0.*$/s, '');
        const v = Number(text);
        if (!Number.isFinite(v)) throw new MalformedTermError(`bad float ${JSON.stringify(text)}`);
        return new ErlFloat(v);
      }
      case TAG.ATOM:
      case TAG.ATOM_UTF8:
        return this.atomBody(this.u16(), tag === TAG.ATOM_UTF8);
      case TAG.SMALL_ATOM:
      case TAG.SMALL_ATOM_UTF8:
        return this.atomBody(this.u8(), tag === TAG.SMALL_ATOM_UTF8);
      case TAG.SMALL_TUPLE:
        return this.tuple(this.u8(), depth);
      case TAG.LARGE_TUPLE:
        return this.tuple(this.u32(), depth);
      case TAG.NIL:
        return [];
      case TAG.STRING: {
        const b = this.bytes(this.u16());
        return Array.from(b);
      }
      case TAG.LIST: {
        const n = this.count(this.u32(), 1);
        const elements = new Array<Term>(n);
        for (let i = 0; i < n; i++) elements[i] = this.term(depth + 1);
        const tail = this.term(depth + 1);
        if (Array.isArray(tail)) {
          if (tail.length === 0) return elements;
          // [a | [b, c]] written with a list tail: the same term as [a, b, c]
          return elements.concat(tail as Term[]);
        }
        if (tail instanceof ImproperList)
          return new ImproperList(elements.concat(tail.elements), tail.tail);
        return new ImproperList(elements, tail);
      }
      case TAG.BINARY:
        return this.bytes(this.u32()).slice();
      case TAG.BIT_BINARY: {
        const n = this.u32();
        const bits = this.u8();
        if (bits < 1 || bits > 8 || n === 0)
          throw new MalformedTermError(`bad bit binary (${n} bytes, ${bits} bits)`);
        const b = this.bytes(n).slice();
        // Bits below the significant ones must be zero for the term to be canonical.
        b[n - 1] = b[n - 1]! & ((0xff << (8 - bits)) & 0xff);
        return bits === 8 ? b : new BitBinary(b, bits);
      }
      case TAG.SMALL_BIG:
        return this.big(this.u8());
      case TAG.LARGE_BIG:
        return this.big(this.u32());
      case TAG.MAP: {
        const n = this.count(this.u32(), 2);
        const m = new Map<Term, Term>();
        for (let i = 0; i < n; i++) {
          const k = this.term(depth + 1);
          m.set(k, this.term(depth + 1));
        }
        return m;
      }
      case TAG.NEW_PID: {
        const node = this.nodeAtom(depth);
        const id = this.u32();
        const serial = this.u32();
        return new Pid(node, id, serial, this.u32());
      }
      case TAG.PID: {
        const node = this.nodeAtom(depth);
        const id = this.u32();
        const serial = this.u32();
        return new Pid(node, id, serial, this.u8());
      }
      case TAG.V4_PORT: {
        const node = this.nodeAtom(depth);
        const id = this.u64();
        return new Port(node, id, this.u32());
      }
      case TAG.NEW_PORT: {
        const node = this.nodeAtom(depth);
        const id = this.u32();
        return new Port(node, BigInt(id), this.u32());
      }
      case TAG.PORT: {
        const node = this.nodeAtom(depth);
        const id = this.u32();
        return new Port(node, BigInt(id), this.u8());
      }
      case TAG.NEWER_REFERENCE:
      case TAG.NEW_REFERENCE: {
        const n = this.u16();
        if (n < 1 || n > 5) throw new MalformedTermError(`reference with ${n} ids`);
        const node = this.nodeAtom(depth);
        const creation = tag === TAG.NEWER_REFERENCE ? this.u32() : this.u8();
        const ids: number[] = [];
        for (let i = 0; i < n; i++) ids.push(this.u32());
        return new Ref(node, creation, ids);
      }
      case TAG.REFERENCE: {
        const node = this.nodeAtom(depth);
        const id = this.u32();
        return new Ref(node, this.u8(), [id]);
      }
      case TAG.NEW_FUN: {
        const start = this.pos - 1;
        const size = this.u32();
        if (size < 5) throw new MalformedTermError(`fun of size ${size}`);
        this.need(size - 4);
        this.pos = start + 1 + size;
        return new OpaqueFun(this.buf.slice(start, this.pos));
      }
      case TAG.EXPORT: {
        const start = this.pos - 1;
        this.term(depth + 1);
        this.term(depth + 1);
        this.term(depth + 1);
        return new OpaqueFun(this.buf.slice(start, this.pos));
      }
      case TAG.FUN: {
        const start = this.pos - 1;
        const free = this.u32();
        this.term(depth + 1); // pid
        this.term(depth + 1); // module
        this.term(depth + 1); // index
        this.term(depth + 1); // uniq
        for (let i = 0; i < this.count(free, 1); i++) this.term(depth + 1);
        return new OpaqueFun(this.buf.slice(start, this.pos));
      }
      case TAG.ATOM_CACHE_REF:
        throw new MalformedTermError('atom cache reference, but the atom cache was not negotiated');
      default:
        throw new MalformedTermError(`unknown term tag ${tag} at offset ${this.pos - 1}`);
    }
  }

  private atomBody(n: number, isUtf8: boolean): Atom | boolean {
    this.need(n);
    const start = this.pos;
    this.pos += n;
    let name = '';
    // Short ASCII atoms (nearly all of them) without a TextDecoder call or a subarray.
    let ascii = n <= 64;
    for (let i = start; ascii && i < start + n; i++) {
      const c = this.buf[i]!;
      if (c >= 0x80) ascii = false;
      else name += String.fromCharCode(c);
    }
    if (!ascii) {
      const b = this.buf.subarray(start, start + n);
      if (isUtf8) {
        try {
          name = utf8.decode(b);
        } catch (cause) {
          throw new MalformedTermError('atom is not valid UTF-8', { cause });
        }
      } else name = latin1.decode(b);
      if (name.length > MAX_ATOM_CHARS && [...name].length > MAX_ATOM_CHARS)
        throw new MalformedTermError(`atom longer than ${MAX_ATOM_CHARS} characters`);
    }
    if (name === 'true') return true;
    if (name === 'false') return false;
    return atom(name);
  }

  private nodeAtom(depth: number): Atom {
    const t = this.term(depth + 1);
    if (t instanceof Atom) return t;
    throw new MalformedTermError('node of a pid, port or reference is not an atom');
  }

  private tuple(n: number, depth: number): Tuple {
    this.count(n, 1);
    const elements = new Array<Term>(n);
    for (let i = 0; i < n; i++) elements[i] = this.term(depth + 1);
    return new Tuple(elements);
  }

  private big(n: number): number | bigint {
    if (n > MAX_BIG_BYTES) throw new MalformedTermError(`bignum of ${n} bytes > ${MAX_BIG_BYTES}`);
    const sign = this.u8();
    if (sign > 1) throw new MalformedTermError(`bad bignum sign ${sign}`);
    const digits = this.bytes(n);
    // Through hex: linear in the digits, where shifting a bigint per byte is quadratic.
    let hex = '';
    for (let i = n - 1; i >= 0; i--) hex += HEX[digits[i]!]!;
    let v = n === 0 ? 0n : BigInt('0x' + hex);
    if (sign === 1) v = -v;
    return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v;
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
