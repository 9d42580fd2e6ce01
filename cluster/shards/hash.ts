import { BadKeyError } from './errors.ts';
import { MAX_KEY_BYTES } from './constants.ts';

/**
 * Key → shard. The hash is 32-bit FNV-1a (Fowler–Noll–Vo, offset basis 2166136261, prime
 * 16777619) over the key's UTF-8 bytes, as specified in draft-eastlake-fnv; the shard is
 * `fnv1a32(key) % shardCount`. It is stable across processes, versions and platforms, which is
 * the only property the shard map needs; changing it would move every key.
 */

const FNV_OFFSET_BASIS_32 = 0x811c9dc5;
const FNV_PRIME_32 = 0x01000193;
const encoder = new TextEncoder();
// with the u flag a valid surrogate pair is one code point, so this matches lone halves only
const LONE_SURROGATE = /\p{Cs}/u;

/** 32-bit FNV-1a of raw bytes, as an unsigned integer. */
export function fnv1a32Bytes(bytes: Uint8Array): number {
  let h = FNV_OFFSET_BASIS_32;
  for (const b of bytes) {
    h ^= b;
    // Math.imul keeps the multiplication in 32 bits, as the C reference does
    h = Math.imul(h, FNV_PRIME_32);
  }
  return h >>> 0;
}

/** 32-bit FNV-1a of a string's UTF-8 encoding. */
export function fnv1a32(text: string): number {
  return fnv1a32Bytes(encoder.encode(text));
}

/** Throws BadKeyError unless `key` is a non-empty string of at most MAX_KEY_BYTES UTF-8 bytes. */
export function validateKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new BadKeyError(`key must be a string, got ${typeof key}`);
  if (key.length === 0) throw new BadKeyError('key must not be empty');
  const bytes = encoder.encode(key).length;
  if (bytes > MAX_KEY_BYTES) {
    throw new BadKeyError(`key is ${bytes} bytes, more than ${MAX_KEY_BYTES}`);
  }
  // lone surrogates would encode as U+FFFD and silently collide with other keys
  if (LONE_SURROGATE.test(key)) throw new BadKeyError('key is not well-formed Unicode');
}

/** The shard of `key` among `shardCount` shards; throws BadKeyError on a malformed key. */
export function shardOf(key: string, shardCount: number): number {
  validateKey(key);
  return fnv1a32(key) % shardCount;
}
