import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { CHALLENGE_BYTES } from './constants.ts';
import { ProtocolError } from './errors.ts';
import type { NodeName } from './api.ts';

/**
 * Handshake messages and the cookie proof, as in distributed Erlang's dist handshake:
 *   initiator → HELLO {v, name, hidden, addr}
 *   acceptor  → CHALLENGE {v, name, hidden, addr, challenge: cA}   (or REJECT {reason})
 *   initiator → CHALLENGE_REPLY {challenge: cI, digest: HMAC(cookie, "I"|cA)}
 *   acceptor  → CHALLENGE_ACK {digest: HMAC(cookie, "A"|cI)}        (or REJECT)
 * The acceptor proves itself only after the initiator has, and the role letter in the digest
 * stops a reflection of one side's challenge back to it. The cookie never crosses the wire.
 */

export interface Hello {
  readonly v: number;
  readonly name: NodeName;
  readonly hidden: boolean;
  /** `host:port` the sender listens on */
  readonly addr: string;
}
export interface Challenge extends Hello {
  readonly challenge: string;
}
export interface ChallengeReply {
  readonly challenge: string;
  readonly digest: string;
}
export interface ChallengeAck {
  readonly digest: string;
}
export type RejectReason =
  'version' | 'duplicate' | 'simultaneous' | 'bad_cookie' | 'self' | 'shutdown' | 'bad_name';
export interface Reject {
  readonly reason: RejectReason;
  /**
   * the rejecting node's name: a connect made by address alone learns whom it reached, so that a
   * `duplicate` from a peer it is already linked to answers true, as in Erlang
   */
  readonly name?: NodeName;
}

export function newChallenge(): string {
  return randomBytes(CHALLENGE_BYTES).toString('base64');
}

export function digest(cookie: string, role: 'I' | 'A', challenge: string): string {
  return createHmac('sha256', cookie).update(role).update(challenge).digest('base64');
}

export function verifyDigest(
  cookie: string,
  role: 'I' | 'A',
  challenge: string,
  got: string,
): boolean {
  const want = Buffer.from(digest(cookie, role, challenge), 'base64');
  const have = Buffer.from(got, 'base64');
  return want.length === have.length && timingSafeEqual(want, have);
}

/**
 * Simultaneous connects between A and B: the node with the greater name keeps its outgoing
 * connection and refuses the incoming one, the other does the opposite, so exactly one survives.
 */
export function keepOutgoingOnSimultaneous(self: NodeName, peer: NodeName): boolean {
  return self > peer;
}

/** `name@host`, name and host non-empty, no whitespace. */
export function isValidNodeName(name: string): boolean {
  return /^[^@\s]+@[^@\s:]+$/.test(name) && name.length <= 255;
}

function obj(v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ProtocolError('handshake message is not an object');
  return v as Record<string, unknown>;
}
function str(o: Record<string, unknown>, k: string): string {
  const v = o[k];
  if (typeof v !== 'string' || v.length > 1024)
    throw new ProtocolError(`handshake field ${k} missing or bad`);
  return v;
}

export function parseHello(v: unknown): Hello {
  const o = obj(v);
  if (typeof o.v !== 'number') throw new ProtocolError('handshake without version');
  const name = str(o, 'name');
  if (!isValidNodeName(name))
    throw new ProtocolError(`bad node name ${JSON.stringify(name.slice(0, 60))}`);
  return { v: o.v, name, hidden: o.hidden === true, addr: str(o, 'addr') };
}
export function parseChallenge(v: unknown): Challenge {
  const hello = parseHello(v);
  return { ...hello, challenge: str(obj(v), 'challenge') };
}
export function parseReply(v: unknown): ChallengeReply {
  const o = obj(v);
  return { challenge: str(o, 'challenge'), digest: str(o, 'digest') };
}
export function parseAck(v: unknown): ChallengeAck {
  return { digest: str(obj(v), 'digest') };
}
export function parseReject(v: unknown): Reject {
  const o = obj(v);
  const reason = str(o, 'reason') as RejectReason;
  return typeof o.name === 'string' ? { reason, name: o.name } : { reason };
}
