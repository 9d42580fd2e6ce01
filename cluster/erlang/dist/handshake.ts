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

export function encodeName(m: NameMessage): Buffer {
  const name = Buffer.from(m.name, 'utf8');
  const b = Buffer.alloc(15 + name.length);
  b[0] = 0x4e; // 'N'
  b.writeBigUInt64BE(m.flags, 1);
  b.writeUInt32BE(m.creation >>> 0, 9);
  b.writeUInt16BE(name.length, 13);
  name.copy(b, 15);
  return b;
}

export function parseName(b: Buffer): NameMessage {
  if (b[0] !== 0x4e) fail(`expected send_name 'N', got ${describe(b)}`);
  if (b.length < 15) fail('send_name too short');
  const len = b.readUInt16BE(13);
  if (b.length < 15 + len) fail('send_name name truncated');
  return {
    flags: b.readBigUInt64BE(1),
    creation: b.readUInt32BE(9),
    name: b.subarray(15, 15 + len).toString('utf8'),
  };
}

export function encodeChallenge(m: ChallengeMessage): Buffer {
  const name = Buffer.from(m.name, 'utf8');
  const b = Buffer.alloc(19 + name.length);
  b[0] = 0x4e;
  b.writeBigUInt64BE(m.flags, 1);
  b.writeUInt32BE(m.challenge >>> 0, 9);
  b.writeUInt32BE(m.creation >>> 0, 13);
  b.writeUInt16BE(name.length, 17);
  name.copy(b, 19);
  return b;
}

export function parseChallenge(b: Buffer): ChallengeMessage {
  if (b[0] !== 0x4e) fail(`expected challenge 'N', got ${describe(b)}`);
  if (b.length < 19) fail('challenge too short');
  const len = b.readUInt16BE(17);
  if (b.length < 19 + len) fail('challenge name truncated');
  return {
    flags: b.readBigUInt64BE(1),
    challenge: b.readUInt32BE(9),
    creation: b.readUInt32BE(13),
    name: b.subarray(19, 19 + len).toString('utf8'),
  };
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
