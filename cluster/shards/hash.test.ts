import { describe, expect, it } from 'vitest';
import { fnv1a32, fnv1a32Bytes, shardOf, validateKey } from './hash.ts';
import { BadKeyError } from './errors.ts';

describe('shards/hash — FNV-1a 32', () => {
  // vectors from the FNV reference test suite (draft-eastlake-fnv, fnv/test_fnv.c)
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
    ['chongo was here!\n', 0xd49930d5],
  ])('shards/hash — published vector %j', (input, expected) => {
    expect(fnv1a32(input)).toBe(expected);
  });

  it('shards/hash — hashes the UTF-8 encoding of non-ASCII keys', () => {
    expect(fnv1a32('héllo')).toBe(0x4aa48540);
    expect(fnv1a32('日本')).toBe(0x9f26ee51);
    expect(fnv1a32('日本')).toBe(fnv1a32Bytes(new TextEncoder().encode('日本')));
  });

  it('shards/hash — key to shard is hash modulo shard count', () => {
    expect(shardOf('foobar', 64)).toBe(0xbf9cf968 % 64);
    expect(shardOf('a', 7)).toBe(0xe40c292c % 7);
  });

  it('shards/hash — spreads sequential keys over all shards', () => {
    const counts = new Array<number>(64).fill(0);
    for (let i = 0; i < 6400; i++) counts[shardOf(`key-${i}`, 64)]! += 1;
    expect(Math.min(...counts)).toBeGreaterThan(50);
    expect(Math.max(...counts)).toBeLessThan(150);
  });

  it('shards/hash — rejects malformed keys with BadKeyError', () => {
    expect(() => validateKey('')).toThrow(BadKeyError);
    expect(() => validateKey(42)).toThrow(BadKeyError);
    expect(() => validateKey('x'.repeat(257))).toThrow(BadKeyError);
    expect(() => validateKey('\ud800lone')).toThrow(BadKeyError);
    expect(() => shardOf('', 64)).toThrow(/empty/);
    expect(() => validateKey('x'.repeat(256))).not.toThrow();
    expect(() => validateKey('😀 ok')).not.toThrow();
  });
});
