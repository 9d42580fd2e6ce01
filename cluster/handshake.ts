import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { CHALLENGE_BYTES } from './constants.ts';
import { ProtocolError } from './errors.ts';
import type { NodeName } from './api.ts';

/**
 * Handshake messages and the cookie proofs, in the order of distributed Erlang's handshake:
 *   initiator → HELLO {v, name, hidden, addr, tls, boot, to}
 *   acceptor  → CHALLENGE {v, name, hidden, addr, tls, boot, challenge: cA}   (or REJECT)
 *   initiator → CHALLENGE_REPLY {challenge: cI, digest: MAC("I")}
 *   acceptor  → CHALLENGE_ACK {digest: MAC("A")}                               (or REJECT)
 * MAC(role) = HMAC-SHA256(cookie, label | role | transcript), the transcript being the exact
 * bytes of HELLO and CHALLENGE as sent (both names, flags, addresses and boot ids, the protocol
 * version, cA) and cI. A proof is therefore good for one connection between two named nodes in
 * one role only: it cannot be reflected to the node that asked for it, replayed on another
 * connection, or kept while a man in the middle edits any field. The cookie never crosses the
 * wire. The acceptor proves itself only after the initiator has, as in Erlang, so a stranger who
 * connects gets nothing computed with the cookie.
 */

/** Who a node is, as it tells it in HELLO and CHALLENGE. */
export interface Identity {
  readonly v: number;
  readonly name: NodeName;
  readonly hidden: boolean;
  /** `host:port` the sender listens on */
  readonly addr: string;
  /** whether the sender runs its links over TLS */
  readonly tls: boolean;
  /** random per node start, like Erlang's creation: a restarted node is another peer */
  readonly boot: string;
}
export interface Hello extends Identity {
  /**
   * the name the initiator dialed, '' for a dial by address: an initiator that dialed by name
   * can wait for the link to that name after a refusal, so the acceptor may refuse it at once
   */
  readonly to: string;
}
export interface Challenge extends Identity {
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
  | 'version'
  | 'duplicate'
  | 'simultaneous'
  | 'bad_cookie'
  | 'self'
  | 'shutdown'
  | 'bad_name'
  | 'tls'
  | 'bad_challenge';
export interface Reject {
  readonly reason: RejectReason;
  /** the rejecting node's name (what a connect made by address reached) */
  readonly name?: NodeName;
  /**
   * MAC("R" | reason) over the transcript, present only when the refusal comes after the
   * initiator's proof: only such a refusal proves that the rejecting node knows the cookie, so
   * only it may turn a connect into "linked already" (duplicate, simultaneous)
   */
  readonly digest?: string;
}

/** Domain separation: these MACs are good for nothing but this handshake. */
const LABEL = 'cluster-observatory handshake\0';

export function newChallenge(): string {
  return randomBytes(CHALLENGE_BYTES).toString('base64');
}

/** Whether `c` is base64 of at least CHALLENGE_BYTES bytes (a peer's challenge must be fresh). */
export function isGoodChallenge(c: string): boolean {
  return /^[A-Za-z0-9+/]+={0,2}$/.test(c) && Buffer.from(c, 'base64').length >= CHALLENGE_BYTES;
}

/** The exact bytes both sides saw: HELLO, CHALLENGE (bodies as sent), and the initiator's cI. */
export interface Transcript {
  readonly hello: Buffer;
  readonly challenge: Buffer;
  readonly initiatorChallenge: string;
}

function lengthPrefixed(h: ReturnType<typeof createHmac>, b: Buffer | string): void {
  const buf = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(buf.length);
  h.update(len).update(buf);
}

/** MAC over the transcript for `role` (I = initiator's proof, A = acceptor's, R… = a refusal). */
export function transcriptMac(cookie: string, role: string, t: Transcript): string {
  const h = createHmac('sha256', cookie).update(LABEL);
  lengthPrefixed(h, role);
  lengthPrefixed(h, t.hello);
  lengthPrefixed(h, t.challenge);
  lengthPrefixed(h, t.initiatorChallenge);
  return h.digest('base64');
}

/** Compares encodings, not decoded bytes: base64 decoders ignore what follows the padding. */
export function verifyMac(cookie: string, role: string, t: Transcript, got: string): boolean {
  const want = Buffer.from(transcriptMac(cookie, role, t), 'utf8');
  const have = Buffer.from(got, 'utf8');
  return want.length === have.length && timingSafeEqual(want, have);
}

/** The role string of an authenticated refusal. */
export function rejectRole(reason: RejectReason): string {
  return `R${reason}`;
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
function bool(o: Record<string, unknown>, k: string): boolean {
  const v = o[k];
  if (typeof v !== 'boolean') throw new ProtocolError(`handshake field ${k} missing or bad`);
  return v;
}

/** Parses the version first, so that a peer of another version gets `version`, not an error. */
export function parseVersion(v: unknown): number {
  const o = obj(v);
  if (typeof o.v !== 'number') throw new ProtocolError('handshake without version');
  return o.v;
}
export function parseHello(v: unknown): Hello {
  return { ...parseIdentity(v), to: str(obj(v), 'to') };
}
function parseIdentity(v: unknown): Identity {
  const o = obj(v);
  const version = parseVersion(o);
  const name = str(o, 'name');
  if (!isValidNodeName(name))
    throw new ProtocolError(`bad node name ${JSON.stringify(name.slice(0, 60))}`);
  return {
    v: version,
    name,
    hidden: bool(o, 'hidden'),
    addr: str(o, 'addr'),
    tls: bool(o, 'tls'),
    boot: str(o, 'boot'),
  };
}
export function parseChallenge(v: unknown): Challenge {
  return { ...parseIdentity(v), challenge: str(obj(v), 'challenge') };
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
  const name = typeof o.name === 'string' ? o.name : undefined;
  const digest = typeof o.digest === 'string' ? o.digest : undefined;
  return {
    reason,
    ...(name === undefined ? {} : { name }),
    ...(digest === undefined ? {} : { digest }),
  };
}
