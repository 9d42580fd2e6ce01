/**
 * Terms → external term format, written the way `term_to_binary/1` writes them (so a term that
 * came from BEAM goes back byte for byte: integers in the smallest tag, lists of bytes as
 * STRING_EXT, atoms as UTF-8). Pure; one growable buffer per `Writer`, reused across calls.
 */
import { ByteWriter } from '../../wire/byte-writer.ts';
import { DEFAULT_MAX_TERM_DEPTH, MAX_ATOM_CHARS } from '../constants.ts';
import { UnencodableTermError } from '../errors.ts';
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
  type Term,
} from '../terms.ts';
import { TAG } from './tags.ts';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** A growable output buffer; `take()` copies out what was written and starts over. */
export class Writer extends ByteWriter {
  constructor(initial = 4096) {
    super(Buffer.allocUnsafe(initial));
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }
}

/** `term_to_binary(Term)`: the version byte, then the term. */
export function encode(term: Term): Buffer {
  const w = new Writer(256);
  encodeInto(w, term);
  return w.take();
}

/** Appends the version byte and `term` to `w`. */
export function encodeInto(w: Writer, term: Term): void {
  w.u8(TAG.VERSION);
  writeTerm(w, term, 0);
}

function writeTerm(w: Writer, t: Term, depth: number): void {
  if (depth > DEFAULT_MAX_TERM_DEPTH)
    throw new UnencodableTermError(`term nested deeper than ${DEFAULT_MAX_TERM_DEPTH} (a cycle?)`);
  switch (typeof t) {
    case 'number':
      if (Number.isInteger(t)) {
        if (t >= INT32_MIN && t <= INT32_MAX) writeInt(w, t);
        else writeBig(w, BigInt(t));
      } else writeFloat(w, t);
      return;
    case 'bigint':
      if (t >= INT32_MIN && t <= INT32_MAX) writeInt(w, Number(t));
      else writeBig(w, t);
      return;
    case 'boolean':
      writeAtom(w, t ? 'true' : 'false');
      return;
    case 'string': {
      const len = Buffer.byteLength(t);
      w.ensure(5 + len);
      w.buf[w.pos++] = TAG.BINARY;
      w.buf.writeUInt32BE(len, w.pos);
      w.pos += 4;
      w.pos += w.buf.write(t, w.pos, 'utf8');
      return;
    }
    case 'object':
      break;
    default:
      throw new UnencodableTermError(`a ${typeof t} has no Erlang term form`);
  }
  if (t === null) throw new UnencodableTermError('null has no Erlang term form');
  if (t instanceof Atom) return writeAtom(w, t.name);
  if (t instanceof Uint8Array) {
    w.ensure(5 + t.length);
    w.buf[w.pos++] = TAG.BINARY;
    w.buf.writeUInt32BE(t.length, w.pos);
    w.pos += 4;
    w.buf.set(t, w.pos);
    w.pos += t.length;
    return;
  }
  if (Array.isArray(t)) return writeList(w, t as readonly Term[], depth);
  if (t instanceof Tuple) {
    const n = t.elements.length;
    if (n < 256) {
      w.u8(TAG.SMALL_TUPLE);
      w.u8(n);
    } else {
      w.u8(TAG.LARGE_TUPLE);
      w.u32(n);
    }
    for (let i = 0; i < n; i++) writeTerm(w, t.elements[i]!, depth + 1);
    return;
  }
  if (t instanceof ErlFloat) return writeFloat(w, t.value);
  if (t instanceof Pid) {
    w.u8(TAG.NEW_PID);
    writeAtom(w, t.node.name);
    w.u32(t.id);
    w.u32(t.serial);
    w.u32(t.creation);
    return;
  }
  if (t instanceof Ref) {
    w.u8(TAG.NEWER_REFERENCE);
    w.u16(t.ids.length);
    writeAtom(w, t.node.name);
    w.u32(t.creation);
    for (const id of t.ids) w.u32(id);
    return;
  }
  if (t instanceof Map) {
    w.u8(TAG.MAP);
    w.u32(t.size);
    for (const [k, v] of t as Map<Term, Term>) {
      writeTerm(w, k, depth + 1);
      writeTerm(w, v, depth + 1);
    }
    return;
  }
  if (t instanceof ImproperList) {
    if (t.elements.length === 0) throw new UnencodableTermError('an improper list needs elements');
    w.u8(TAG.LIST);
    w.u32(t.elements.length);
    for (const e of t.elements) writeTerm(w, e, depth + 1);
    writeTerm(w, t.tail, depth + 1);
    return;
  }
  if (t instanceof BitBinary) {
    if (t.bits < 1 || t.bits > 8 || !Number.isInteger(t.bits) || t.bytes.length === 0)
      throw new UnencodableTermError(`bad bit binary (${t.bytes.length} bytes, ${t.bits} bits)`);
    w.u8(TAG.BIT_BINARY);
    w.u32(t.bytes.length);
    w.u8(t.bits);
    w.bytes(t.bytes);
    return;
  }
  if (t instanceof Port) {
    if (t.id > 0xffffffffn) {
      w.u8(TAG.V4_PORT);
      writeAtom(w, t.node.name);
      w.ensure(8);
      w.buf.writeBigUInt64BE(t.id, w.pos);
      w.pos += 8;
    } else {
      w.u8(TAG.NEW_PORT);
      writeAtom(w, t.node.name);
      w.u32(Number(t.id));
    }
    w.u32(t.creation);
    return;
  }
  if (t instanceof OpaqueFun) return w.bytes(t.encoded);
  const proto: unknown = Object.getPrototypeOf(t);
  if (proto === Object.prototype || proto === null) {
    const entries = Object.entries(t as Record<string, Term>);
    w.u8(TAG.MAP);
    w.u32(entries.length);
    for (const [k, v] of entries) {
      writeAtom(w, k);
      writeTerm(w, v, depth + 1);
    }
    return;
  }
  throw new UnencodableTermError(
    `a ${String((proto as { constructor?: { name?: string } })?.constructor?.name)} has no Erlang term form`,
  );
}

function writeInt(w: Writer, v: number): void {
  if (v >= 0 && v <= 255) {
    w.ensure(2);
    w.buf[w.pos++] = TAG.SMALL_INTEGER;
    w.buf[w.pos++] = v;
  } else {
    w.ensure(5);
    w.buf[w.pos++] = TAG.INTEGER;
    w.buf.writeInt32BE(v, w.pos);
    w.pos += 4;
  }
}

function writeBig(w: Writer, v: bigint): void {
  const negative = v < 0n;
  let hex = (negative ? -v : v).toString(16);
  if (hex.length % 2 === 1) hex = '0' + hex;
  const be = Buffer.from(hex, 'hex');
  const n = be.length;
  if (n < 256) {
    w.u8(TAG.SMALL_BIG);
    w.u8(n);
  } else {
    w.u8(TAG.LARGE_BIG);
    w.u32(n);
  }
  w.u8(negative ? 1 : 0);
  w.ensure(n);
  for (let i = 0; i < n; i++) w.buf[w.pos++] = be[n - 1 - i]!;
}

function writeFloat(w: Writer, v: number): void {
  if (!Number.isFinite(v)) throw new UnencodableTermError(`${v} is not an Erlang float`);
  w.ensure(9);
  w.buf[w.pos++] = TAG.NEW_FLOAT;
  w.buf.writeDoubleBE(v, w.pos);
  w.pos += 8;
}

function writeAtom(w: Writer, name: string): void {
  const n = name.length;
  // Short ASCII names (nearly all atoms, and every node name we have seen) byte by byte.
  if (n < 256) {
    w.ensure(2 + n);
    const start = w.pos;
    let ascii = true;
    for (let i = 0; i < n; i++) {
      const c = name.charCodeAt(i);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      w.buf[start + 2 + i] = c;
    }
    if (ascii) {
      w.buf[start] = TAG.SMALL_ATOM_UTF8;
      w.buf[start + 1] = n;
      w.pos = start + 2 + n;
      return;
    }
  }
  const len = Buffer.byteLength(name);
  if (len > MAX_ATOM_CHARS && [...name].length > MAX_ATOM_CHARS)
    throw new UnencodableTermError(`atom longer than ${MAX_ATOM_CHARS} characters`);
  w.ensure(3 + len);
  if (len < 256) {
    w.buf[w.pos++] = TAG.SMALL_ATOM_UTF8;
    w.buf[w.pos++] = len;
  } else {
    w.buf[w.pos++] = TAG.ATOM_UTF8;
    w.buf.writeUInt16BE(len, w.pos);
    w.pos += 2;
  }
  w.pos += w.buf.write(name, w.pos, 'utf8');
}

function writeList(w: Writer, list: readonly Term[], depth: number): void {
  const n = list.length;
  if (n === 0) return w.u8(TAG.NIL);
  if (n < 65536 && isByteList(list)) {
    w.ensure(3 + n);
    w.buf[w.pos++] = TAG.STRING;
    w.buf.writeUInt16BE(n, w.pos);
    w.pos += 2;
    for (let i = 0; i < n; i++) w.buf[w.pos++] = list[i] as number;
    return;
  }
  w.u8(TAG.LIST);
  w.u32(n);
  for (let i = 0; i < n; i++) writeTerm(w, list[i]!, depth + 1);
  w.u8(TAG.NIL);
}

function isByteList(list: readonly Term[]): boolean {
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 255) return false;
  }
  return true;
}
