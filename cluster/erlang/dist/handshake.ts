/**
 * The version-6 distribution handshake (OTP 23+), as pure message builders and parsers; the
 * socket-side driver is in `connection.ts`. Reference: lib/kernel/src/dist_util.erl.
 *
 *   A (initiator)                 B (acceptor)
 *   send_name  'N' flags creation name  →
 *                                 ← status 's' ok | ok_simultaneous | nok | alive | not_allowed
 *                                 ← challenge 'N' flags challenge creation name
 *   challenge_reply 'r' challenge digest →
 *                                 ← challenge_ack 'a' digest
 */
import { createHash } from 'node:crypto';
import { DFLAG, MANDATORY_25_SET } from '../constants.ts';

/** dist_util:gen_digest/2: MD5 of the cookie followed by the challenge in decimal. */
export function genDigest(challenge: number, cookie: string): Buffer {
  return createHash('md5')
    .update(cookie, 'latin1')
    .update(String(challenge >>> 0))
    .digest();
}

/** dist_util:expand_mandatory_25_flag/1. */
export function expandFlags(flags: bigint): bigint {
  return (flags & DFLAG.MANDATORY_25_DIGEST) !== 0n ? flags | MANDATORY_25_SET : flags;
}

/** Names of the flags in `mask` that `flags` lacks, for logs. */
export function missingFlags(flags: bigint, mask: bigint): string[] {
  return Object.entries(DFLAG)
    .filter(([, bit]) => (mask & bit) !== 0n && (flags & bit) === 0n)
    .map(([name]) => name);
}

export interface NameMessage {
  readonly flags: bigint;
  readonly creation: number;
  readonly name: string;
}
export interface ChallengeMessage extends NameMessage {
  readonly challenge: number;
}

function fail(what: string): never {
  throw new Error(what);
}

/**
 * send_name and the challenge share one layout, `'N' flags:64 u32… nlen:16 name`: the challenge
 * only puts its 32 bits before the creation. `words` are those u32 fields, in order.
 */
function encodeNMessage(flags: bigint, words: readonly number[], name: string): Buffer {
  const bytes = Buffer.from(name, 'utf8');
  const at = 9 + 4 * words.length;
  const b = Buffer.alloc(at + 2 + bytes.length);
  b[0] = 0x4e; // 'N'
  b.writeBigUInt64BE(flags, 1);
  words.forEach((w, i) => b.writeUInt32BE(w >>> 0, 9 + 4 * i));
  b.writeUInt16BE(bytes.length, at);
  bytes.copy(b, at + 2);
  return b;
}

function parseNMessage(
  b: Buffer,
  wordCount: number,
  what: string,
): { flags: bigint; words: number[]; name: string } {
  const at = 9 + 4 * wordCount;
  if (b[0] !== 0x4e) fail(`expected ${what} 'N', got ${describe(b)}`);
  if (b.length < at + 2) fail(`${what} too short`);
  const len = b.readUInt16BE(at);
  if (b.length < at + 2 + len) fail(`${what} name truncated`);
  return {
    flags: b.readBigUInt64BE(1),
    words: Array.from({ length: wordCount }, (_, i) => b.readUInt32BE(9 + 4 * i)),
    name: b.subarray(at + 2, at + 2 + len).toString('utf8'),
  };
}

export function encodeName(m: NameMessage): Buffer {
  return encodeNMessage(m.flags, [m.creation], m.name);
}

export function parseName(b: Buffer): NameMessage {
  const { flags, words, name } = parseNMessage(b, 1, 'send_name');
  return { flags, creation: words[0]!, name };
}

export function encodeChallenge(m: ChallengeMessage): Buffer {
  return encodeNMessage(m.flags, [m.challenge, m.creation], m.name);
}

export function parseChallenge(b: Buffer): ChallengeMessage {
  const { flags, words, name } = parseNMessage(b, 2, 'challenge');
  return { flags, challenge: words[0]!, creation: words[1]!, name };
}

export function encodeStatus(status: string): Buffer {
  return Buffer.concat([Buffer.of(0x73), Buffer.from(status, 'latin1')]);
}

export function parseStatus(b: Buffer): string {
  if (b[0] !== 0x73) fail(`expected status 's', got ${describe(b)}`);
  return b.subarray(1).toString('latin1');
}

export function encodeChallengeReply(challenge: number, digest: Buffer): Buffer {
  const b = Buffer.alloc(21);
  b[0] = 0x72; // 'r'
  b.writeUInt32BE(challenge >>> 0, 1);
  digest.copy(b, 5);
  return b;
}

export function parseChallengeReply(b: Buffer): { challenge: number; digest: Buffer } {
  if (b[0] !== 0x72 || b.length !== 21) fail(`expected challenge_reply 'r', got ${describe(b)}`);
  return { challenge: b.readUInt32BE(1), digest: b.subarray(5, 21) };
}

export function encodeChallengeAck(digest: Buffer): Buffer {
  return Buffer.concat([Buffer.of(0x61), digest]);
}

export function parseChallengeAck(b: Buffer): Buffer {
  if (b[0] !== 0x61 || b.length !== 17) fail(`expected challenge_ack 'a', got ${describe(b)}`);
  return b.subarray(1);
}

/** A node name as dist_util:is_node_name/1 accepts it: `name@host`, both parts non-empty. */
export function isNodeName(name: string): boolean {
  const parts = name.split('@');
  return parts.length === 2 && parts[0] !== '' && parts[1] !== '' && name.length <= 255;
}

/**
 * Simultaneous connect (net_kernel, accept_pending): the node whose name compares greater keeps
 * its own outgoing attempt and answers the incoming one `nok`.
 */
export function weKeepOurAttempt(ourName: string, peerName: string): boolean {
  return Buffer.compare(Buffer.from(ourName, 'utf8'), Buffer.from(peerName, 'utf8')) > 0;
}

function describe(b: Buffer): string {
  return b.length === 0 ? 'an empty packet' : `tag ${b[0]} (${b.length} bytes)`;
}
