import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { MAX_ANNOUNCEMENT_BYTES } from './constants.ts';
import type { IgnoreReason } from './types.ts';

/** A gossip announcement: "node `name` listens on `address`". */
export interface Announcement {
  readonly name: string;
  /** `host:port` */
  readonly address: string;
  /** ms since epoch at the sender */
  readonly ts: number;
  readonly nonce: string;
}

const VERSION = 1;
const KEY_LABEL = 'cluster-observatory/gossip/v1';

/**
 * The HMAC key is derived from the cookie, so the cookie itself never travels and a leaked
 * gossip key does not let anyone pass the node handshake.
 */
export function deriveGossipKey(cookie: string): Buffer {
  return createHmac('sha256', cookie).update(KEY_LABEL).digest();
}

function macOf(key: Buffer, a: Announcement): string {
  return createHmac('sha256', key)
    .update(`${VERSION}|${a.name}|${a.address}|${a.ts}|${a.nonce}`)
    .digest('base64url');
}

export function encodeAnnouncement(
  key: Buffer,
  name: string,
  address: string,
  now: number,
  nonce: string = randomBytes(12).toString('base64url'),
): Buffer {
  const a: Announcement = { name, address, ts: now, nonce };
  return Buffer.from(JSON.stringify({ v: VERSION, ...a, mac: macOf(key, a) }));
}

export type DecodeResult =
  | { readonly ok: true; readonly announcement: Announcement }
  | { readonly ok: false; readonly reason: IgnoreReason; readonly detail: string };

const ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** Validate an incoming datagram: shape, MAC (constant time), then age. Never throws. */
export function decodeAnnouncement(
  key: Buffer,
  data: Buffer,
  now: number,
  maxAgeMs: number,
): DecodeResult {
  if (data.length > MAX_ANNOUNCEMENT_BYTES) {
    return { ok: false, reason: 'malformed', detail: `datagram of ${data.length} bytes` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(data.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed', detail: 'not JSON' };
  }
  if (typeof raw !== 'object' || raw === null) {
    return { ok: false, reason: 'malformed', detail: 'not an object' };
  }
  const r = raw as Record<string, unknown>;
  const { v, name, address, ts, nonce, mac } = r;
  if (
    v !== VERSION ||
    typeof name !== 'string' ||
    name.length === 0 ||
    typeof address !== 'string' ||
    !ADDRESS.test(address) ||
    typeof ts !== 'number' ||
    !Number.isFinite(ts) ||
    typeof nonce !== 'string' ||
    nonce.length === 0 ||
    typeof mac !== 'string'
  ) {
    return { ok: false, reason: 'malformed', detail: 'missing or invalid fields' };
  }
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  if (port < 1 || port > 65_535) {
    return { ok: false, reason: 'malformed', detail: `bad port in ${address}` };
  }
  const announcement: Announcement = { name, address, ts, nonce };
  const expected = Buffer.from(macOf(key, announcement));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'unauthenticated', detail: `bad MAC from ${name}` };
  }
  if (Math.abs(now - ts) > maxAgeMs) {
    return { ok: false, reason: 'stale', detail: `${now - ts} ms old` };
  }
  return { ok: true, announcement };
}
