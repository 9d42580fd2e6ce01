import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MalformedTermError, UnencodableTermError } from '../errors.ts';
import { formatTerm } from '../format.ts';
import {
  Atom,
  BitBinary,
  ErlFloat,
  ImproperList,
  OpaqueFun,
  Pid,
  Tuple,
  atom,
  termEquals,
  tuple,
  type Term,
} from '../terms.ts';
import { ErlCodec } from '../testing/erl-codec.ts';
import { anyTerm } from './testing/arbitrary.ts';
import { decode, decodeAt } from './decode.ts';
import { encode } from './encode.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('etf codec', () => {
  it('etf — encodes as term_to_binary/1 does (known bytes from OTP 25)', () => {
    // term_to_binary(X, [{minor_version,2}]) in erl
    expect(encode(1).toString('hex')).toBe('836101');
    expect(encode(-1).toString('hex')).toBe('8362ffffffff');
    expect(encode(2 ** 31).toString('hex')).toBe('836e040000000080');
    expect(encode(new ErlFloat(1.0)).toString('hex')).toBe('83463ff0000000000000');
    expect(encode(atom('ok')).toString('hex')).toBe('8377026f6b');
    expect(encode([1, 2]).toString('hex')).toBe('836b00020102');
    expect(encode(tuple()).toString('hex')).toBe('836800');
    expect(encode([]).toString('hex')).toBe('836a');
    expect(encode(new ImproperList([1], 2)).toString('hex')).toBe('836c0000000161016102');
  });

  it('etf — floats keep their bits: -0.0 stays negative, 1.0 stays a float', () => {
    const neg = decode(encode(new ErlFloat(-0)));
    expect(neg).toBeInstanceOf(ErlFloat);
    expect(Object.is((neg as ErlFloat).value, -0)).toBe(true);
    const one = decode(encode(new ErlFloat(1)));
    expect(one).toBeInstanceOf(ErlFloat);
    expect(decode(encode(1))).toBe(1);
  });

  it('etf — integers: small, int32 and bignums in both directions', () => {
    for (const v of [0, 255, 256, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53 - 1])
      expect(decode(encode(v))).toBe(v);
    for (const v of [2n ** 64n, -(2n ** 300n), 2n ** 2100n]) expect(decode(encode(v))).toBe(v);
  });

  it('etf — kinds stay apart: atom, binary, charlist, boolean', () => {
    expect(decode(encode(atom('hello')))).toBeInstanceOf(Atom);
    const bin = decode(encode('hello'));
    expect(bin).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(bin as Uint8Array).toString()).toBe('hello');
    expect(decode(encode([104, 105]))).toEqual([104, 105]);
    expect(decode(encode(true))).toBe(true);
    expect(formatTerm(decode(encode([104, 105])))).toBe('"hi"');
    expect(formatTerm(decode(encode('hi')))).toBe('<<"hi">>');
  });

  it('etf — funs are carried opaquely, byte for byte', () => {
    // term_to_binary(fun erlang:node/0)
    const bytes = hex('83 71 77 06 65726c616e67 77 04 6e6f6465 61 00');
    const t = decode(bytes);
    expect(t).toBeInstanceOf(OpaqueFun);
    expect(encode(t).equals(bytes)).toBe(true);
  });

  it('etf — malformed input is a MalformedTermError, never a crash', () => {
    const bad = [
      '',
      '82',
      '83',
      '83 ff',
      '83 6c 7fffffff',
      '83 68 05 61',
      '83 6d 00000010 00',
      '83 77 02 ff fe',
      '83 74 ffffffff',
      '83 50 7fffffff 00',
      '83 6e 02 07 00 00',
      '83 52 00',
      '83 4d 00000000 00',
    ];
    for (const b of bad) expect(() => decode(hex(b)), b).toThrow(MalformedTermError);
  });

  it('etf — every cut-short term is a MalformedTermError that says so, never a read past the end', () => {
    const whole = encode(
      tuple(
        atom('ok'),
        123_456_789,
        -5,
        new ErlFloat(1.5),
        Buffer.from('payload'),
        new Pid(atom('n@h'), 7, 8, 9),
        [1, 2],
      ),
    );
    for (let n = 1; n < whole.length; n++) {
      const cut = whole.subarray(0, n);
      expect(() => decode(cut), `first ${n} bytes`).toThrow(MalformedTermError);
      expect(() => decode(cut), `first ${n} bytes`).toThrow(
        /truncated term|exceeds the bytes left/,
      );
    }
  });

  it('etf — a bignum over the bound is refused before it is converted', () => {
    const n = 2 * 1024 * 1024;
    const bytes = Buffer.alloc(7 + n, 1);
    bytes.set([131, 111, 0, n >>> 16, 0, 0, 0]);
    bytes.writeUInt32BE(n, 2);
    bytes[6] = 0;
    expect(() => decode(bytes)).toThrow(/bignum of/);
    expect(decode(encode(2n ** 8000n))).toBe(2n ** 8000n);
  });

  it('etf — nesting deeper than the bound is refused', () => {
    let t: Term = [];
    for (let i = 0; i < 50; i++) t = tuple(t);
    const bytes = encode(t);
    expect(() => decode(bytes, { maxDepth: 20 })).toThrow(/nested deeper/);
    expect(termEquals(decode(bytes), t)).toBe(true);
  });

  it('etf — values with no term form are an UnencodableTermError', () => {
    expect(() => encode(undefined as unknown as Term)).toThrow(UnencodableTermError);
    expect(() => encode(Number.NaN)).toThrow(UnencodableTermError);
    expect(() => encode(new Atom('x'.repeat(256)))).toThrow(UnencodableTermError);
    expect(() => encode(new Date() as unknown as Term)).toThrow(UnencodableTermError);
  });

  it('etf — decodeAt reads concatenated terms (control + message)', () => {
    const two = Buffer.concat([encode(tuple(2, atom(''), 7)), encode('x')]);
    const first = decodeAt(two, 0);
    const second = decodeAt(two, first.end);
    expect(second.end).toBe(two.length);
    expect(termEquals(second.term, 'x')).toBe(true);
  });

  it('etf — property: decode(encode(t)) =:= t', () => {
    fc.assert(
      fc.property(anyTerm, (t) => termEquals(decode(encode(t)), t)),
      { numRuns: 500 },
    );
  });
});

describe('etf codec against a live erl', () => {
  let erl: ErlCodec;
  beforeAll(() => {
    erl = new ErlCodec();
  });
  afterAll(() => erl.close());

  it('etf — generated terms survive binary_to_term/term_to_binary in erl', async () => {
    await fc.assert(
      fc.asyncProperty(anyTerm, async (t) => termEquals(await erl.roundTrip(t), t)),
      { numRuns: 300 },
    );
  });

  it('etf — compressed terms from erl decode', async () => {
    const big = tuple(
      atom('data'),
      Array.from({ length: 3000 }, (_, i) => i % 7),
      'x'.repeat(5000),
    );
    const bytes = await erl.roundTripBytes(big, 'compressed');
    expect(bytes[1]).toBe(80);
    expect(termEquals(decode(bytes), big)).toBe(true);
    await fc.assert(
      fc.asyncProperty(anyTerm, async (t) => termEquals(await erl.roundTrip(t, 'compressed'), t)),
      { numRuns: 100 },
    );
  });

  it('etf — bitstrings, pids and -0.0 as erl writes them', async () => {
    const pid = new Pid(atom('a@127.0.0.1'), 77, 3, 0xdeadbeef);
    for (const t of [new BitBinary(Uint8Array.of(0x20), 3), pid, new ErlFloat(-0), new Tuple([])]) {
      expect(termEquals(await erl.roundTrip(t), t)).toBe(true);
    }
  });
});
