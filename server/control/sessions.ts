/**
 * Dashboard sessions, kept server-side: the cookie is a random id that means nothing without
 * this table, so signing out (or a restart) ends a session for good, and a copied cookie dies
 * with it. Expiry runs on the monotonic clock; the table is bounded (oldest session evicted).
 */
import { createHash, randomBytes } from 'node:crypto';

/** Name of the httpOnly, SameSite=Strict session cookie. */
export const SESSION_COOKIE = 'observatory_session';
/** How long a dashboard session lasts. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1_000;
/** Sessions kept at once; signing in beyond it signs the oldest session out. */
export const MAX_SESSIONS = 1_000;

/** A live session as the audit log names it: a public id, never the cookie. */
export interface Session {
  /** 16 hex characters derived from the cookie; safe to log */
  readonly id: string;
  /** monotonic ms */
  readonly expiresAt: number;
}

export interface SessionStoreOptions {
  /** monotonic ms (performance.now) */
  readonly now: () => number;
  readonly ttlMs?: number;
  readonly max?: number;
}

// Keyed by a hash of the cookie, so the table never holds a usable secret.
const digest = (cookie: string) => createHash('sha256').update(cookie).digest('hex');

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  /** how long a session lasts */
  readonly ttlMs: number;
  private readonly max: number;

  constructor(private readonly options: SessionStoreOptions) {
    this.ttlMs = options.ttlMs ?? SESSION_TTL_MS;
    this.max = options.max ?? MAX_SESSIONS;
  }

  /** Starts a session; returns the cookie value (shown once, to the browser) and the session. */
  create(): { cookie: string; session: Session } {
    const cookie = randomBytes(32).toString('base64url');
    const key = digest(cookie);
    const session = { id: key.slice(0, 16), expiresAt: this.options.now() + this.ttlMs };
    this.sweep();
    // Map order is insertion order: the first key is the oldest session.
    while (this.sessions.size >= this.max) {
      this.sessions.delete(this.sessions.keys().next().value!);
    }
    this.sessions.set(key, session);
    return { cookie, session };
  }

  /** The live session of `cookie`, undefined when unknown, expired or revoked. */
  verify(cookie: string | undefined): Session | undefined {
    if (cookie === undefined || cookie.length === 0 || cookie.length > 256) return undefined;
    const key = digest(cookie);
    const session = this.sessions.get(key);
    if (session === undefined) return undefined;
    if (session.expiresAt <= this.options.now()) {
      this.sessions.delete(key);
      return undefined;
    }
    return session;
  }

  /** Ends the session of `cookie`; returns it when there was one. */
  revoke(cookie: string | undefined): Session | undefined {
    const session = this.verify(cookie);
    if (session !== undefined) this.sessions.delete(digest(cookie!));
    return session;
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const now = this.options.now();
    for (const [key, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(key);
  }
}
