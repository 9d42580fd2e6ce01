/**
 * Who may use the control plane: a request is an admin's when it carries the admin token as
 * `Authorization: Bearer <token>` (scripts, CI) or the cookie of a live dashboard session
 * (`POST /api/session`, kept server-side in `SessionStore`, so sign-out ends it for good).
 * Pure of HTTP frameworks: takes plain header values, so the custom server's route table and
 * Next.js route handlers share it.
 */
import { sameSecret } from '../same-secret.ts';
import { SESSION_COOKIE, type SessionStore } from './sessions.ts';

export { SESSION_COOKIE, SESSION_TTL_MS } from './sessions.ts';

/** True when `token` is the admin token. */
export function isAdminToken(token: unknown, adminToken: string): boolean {
  return sameSecret(token, adminToken);
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

/** Who made an admin request, as the audit log names them (never the secret itself). */
export type Actor =
  { readonly kind: 'token' } | { readonly kind: 'session'; readonly session: string };

/** `token` or `session:<id>`, for the audit log. */
export const describeActor = (actor: Actor): string =>
  actor.kind === 'token' ? 'token' : `session:${actor.session}`;

/**
 * The admin behind the request, or undefined: a bearer token decides alone (a wrong one is not
 * rescued by a cookie); otherwise the session cookie must name a live session.
 */
export function authenticate(
  headers: AuthHeaders,
  adminToken: string,
  sessions: Pick<SessionStore, 'verify'>,
): Actor | undefined {
  const bearer = bearerToken(headers.authorization);
  if (bearer !== undefined) return isAdminToken(bearer, adminToken) ? { kind: 'token' } : undefined;
  const session = sessions.verify(readCookie(headers.cookie, SESSION_COOKIE));
  return session === undefined ? undefined : { kind: 'session', session: session.id };
}

/** True when the request carries the admin token or a live session's cookie. */
export function isAdminRequest(
  headers: AuthHeaders,
  adminToken: string,
  sessions: Pick<SessionStore, 'verify'>,
): boolean {
  return authenticate(headers, adminToken, sessions) !== undefined;
}
