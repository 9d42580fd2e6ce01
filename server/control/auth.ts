/**
 * Who may use the control plane: a request is an admin's when it carries the admin token as
 * `Authorization: Bearer <token>` (scripts, CI) or a session cookie signed with it (the dashboard,
 * after `POST /api/session`). The cookie holds no token: `v1.<expiresAtMs>.<nonce>.<hmac>`, an
 * HMAC-SHA256 keyed by the admin token, so changing the token signs every session out.
 * Pure of HTTP frameworks: takes plain header values, so the custom server's route table and
 * Next.js route handlers share it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Name of the httpOnly, SameSite=Strict session cookie. */
export const SESSION_COOKIE = 'observatory_session';
/** How long a dashboard session lasts. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1_000;

const VERSION = 'v1';

/** Compares secrets in constant time (equal lengths or not). */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  if (a.length !== b.length) {
    timingSafeEqual(b, b);
    return false;
  }
  return timingSafeEqual(a, b);
}

const mac = (adminToken: string, payload: string) =>
  createHmac('sha256', `observatory-session:${adminToken}`).update(payload).digest('base64url');

/** True when `token` is the admin token. */
export function isAdminToken(token: unknown, adminToken: string): boolean {
  return typeof token === 'string' && sameSecret(token, adminToken);
}

/** A new session cookie value valid until `now + ttlMs`. */
export function signSession(adminToken: string, now: number, ttlMs = SESSION_TTL_MS): string {
  const payload = `${VERSION}.${now + ttlMs}.${randomBytes(12).toString('base64url')}`;
  return `${payload}.${mac(adminToken, payload)}`;
}

/** True when `value` is a session cookie signed with `adminToken` that has not expired at `now`. */
export function verifySession(value: string | undefined, adminToken: string, now: number): boolean {
  if (value === undefined || value.length > 256) return false;
  const parts = value.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) return false;
  const expiresAt = Number(parts[1]);
  if (!Number.isSafeInteger(expiresAt) || expiresAt <= now) return false;
  return sameSecret(parts[3]!, mac(adminToken, parts.slice(0, 3).join('.')));
}

/** One cookie's value from a `Cookie` header, undefined when absent. */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return undefined;
}

/** The token of an `Authorization: Bearer <token>` header, undefined otherwise. */
export function bearerToken(header: string | null | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
}

/** The two headers that may prove a request is an admin's. */
export interface AuthHeaders {
  readonly authorization?: string | null | undefined;
  readonly cookie?: string | null | undefined;
}

/**
 * True when the request carries the admin token as a bearer token or a valid session cookie.
 * Call it from every control route: `isAdminRequest(req.headers, adminToken, Date.now())`.
 */
export function isAdminRequest(headers: AuthHeaders, adminToken: string, now: number): boolean {
  const bearer = bearerToken(headers.authorization);
  if (bearer !== undefined) return isAdminToken(bearer, adminToken);
  return verifySession(readCookie(headers.cookie, SESSION_COOKIE), adminToken, now);
}
