import { describe, expect, it } from 'vitest';
import { DFLAG, OUR_FLAGS, REQUIRED_FLAGS } from '../constants.ts';
import { PacketParser } from './framing.ts';
import {
  encodeChallenge,
  encodeName,
  expandFlags,
  genDigest,
  missingFlags,
  parseChallenge,
  parseName,
  weKeepOurAttempt,
} from './handshake.ts';

describe('erlang handshake', () => {
  it('handshake — digest is MD5 of cookie ++ decimal challenge, as erlang:md5/1 computes it', () => {
    // erlang:md5(["secret" | integer_to_list(3735928559)]) in erl
    expect(genDigest(0xdeadbeef, 'secret').toString('hex').toUpperCase()).toBe(
      'C3939B31D7A913D82E2ACE09247C7B41',
    );
  });

  it('handshake — name and challenge messages round-trip', () => {
    const n = { flags: OUR_FLAGS, creation: 0x12345678, name: 'ts1@127.0.0.1' };
    expect(parseName(encodeName(n))).toEqual(n);
    const c = { ...n, challenge: 0xfffffffe };
    expect(parseChallenge(encodeChallenge(c))).toEqual(c);
    expect(() => parseName(Buffer.from('n\0\0'))).toThrow();
    expect(() => parseChallenge(encodeChallenge(c).subarray(0, 20))).toThrow();
  });

  it('handshake — MANDATORY_25_DIGEST stands for the OTP 25 set; we offer all we require', () => {
    expect(missingFlags(expandFlags(DFLAG.MANDATORY_25_DIGEST), REQUIRED_FLAGS)).toEqual([]);
    expect(missingFlags(DFLAG.UTF8_ATOMS, REQUIRED_FLAGS)).toContain('MAP_TAG');
    expect(missingFlags(OUR_FLAGS, REQUIRED_FLAGS)).toEqual([]);
    expect(OUR_FLAGS & DFLAG.PUBLISHED).toBe(0n);
    expect(OUR_FLAGS & (DFLAG.ATOM_CACHE | DFLAG.FRAGMENTS | DFLAG.DIST_HDR_ATOM_CACHE)).toBe(0n);
  });

  it('handshake — simultaneous connect: the greater name keeps its own attempt', () => {
    expect(weKeepOurAttempt('b@h', 'a@h')).toBe(true);
    expect(weKeepOurAttempt('a@h', 'b@h')).toBe(false);
  });
});

describe('erlang framing', () => {
  it('framing — packets split anywhere come out whole, one byte at a time', () => {
    const p = new PacketParser(4, 100);
    const wire = Buffer.from([0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 1, 9]);
    const out: number[][] = [];
    for (const b of wire) {
      p.push(Buffer.of(b));
      for (let x = p.next(); x !== undefined; x = p.next()) out.push([...x]);
    }
    expect(out).toEqual([[1, 2, 3], [], [9]]);
  });

  it('framing — an oversized length is refused before it is buffered', () => {
    const p = new PacketParser(4, 10);
    p.push(Buffer.from([0, 0, 1, 0]));
    expect(() => p.next()).toThrow(/exceeds/);
  });

  it('framing — switching from 2-byte to 4-byte headers keeps what is buffered', () => {
    const p = new PacketParser(2, 100);
    p.push(Buffer.from([0, 1, 7, 0, 0, 0, 1, 8]));
    expect([...p.next()!]).toEqual([7]);
    p.switchTo(4, 100);
    expect([...p.next()!]).toEqual([8]);
  });
});
