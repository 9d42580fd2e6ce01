/**
 * The gate in front of every state-changing route and the dashboard's session routes: the body
 * must be declared JSON (a cross-site form cannot), the caller must be the admin (bearer token
 * or live session), a session-authenticated request must come from our own origin, and failed
 * attempts are slowed down per remote address. Every refusal with 401 or 403 is audited with
 * the actor, remote address and user agent (never a secret).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  authenticate,
  describeActor,
  isAdminToken,
  readCookie,
  type Actor,
} from '../control/auth.ts';
import type { AuditEntry } from '../control/control.ts';
import { SESSION_COOKIE, type SessionStore } from '../control/sessions.ts';
import { TooManyAttemptsError, type FailureThrottle } from '../control/throttle.ts';
import { crossOriginReason, type OriginPolicy } from './origin.ts';
import type { ApiError } from './errors.ts';
import {
  ForbiddenError,
  TooManyRequestsError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from './errors.ts';
import { readJson, type Reply } from './body.ts';

/** Who made a request, for the audit log. */
export interface Caller {
  /** `token`, `session:<id>`, or `anonymous` for a refused attempt */
  readonly actor: string;
  readonly remoteAddress: string;
  readonly userAgent: string;
}

export interface AdminGuardDeps {
  readonly adminToken: string;
  readonly sessions: SessionStore;
  readonly throttle: FailureThrottle;
  readonly policy: OriginPolicy;
  readonly audit: (entry: AuditEntry) => Promise<void>;
  /** wall clock, ms since epoch (audit timestamps) */
  readonly now: () => number;
  /** mark the session cookie `Secure` always; by default only when the request came over https */
  readonly secureCookies?: boolean;
}

export interface AdminGuard {
  /**
   * Admits an admin's state-changing request for `action` and reads its JSON body; throws the
   * API error to answer otherwise.
   */
  admit(req: IncomingMessage, action: string): Promise<{ caller: Caller; body: unknown }>;
  /**
   * Runs an admitted action between an `intent` row and a `result` row of the audit log (for
   * actions outside the control plane, which audits its own: drills).
   */
  audited<T>(caller: Caller, action: string, body: unknown, run: () => T | Promise<T>): Promise<T>;
  /** `GET /api/session`: whether the browser holds a live session. */
  status(req: IncomingMessage): Reply;
  /** `POST /api/session {token}`: signs in and sets the session cookie. */
  signIn(req: IncomingMessage): Promise<Reply>;
  /** `DELETE /api/session`: ends the session server-side and clears the cookie. */
  signOut(req: IncomingMessage): Promise<Reply>;
}

const MAX_USER_AGENT_CHARS = 256;

/** Remote address and user agent of a request, for the audit log. */
export function requestMeta(req: IncomingMessage): { remoteAddress: string; userAgent: string } {
  return {
    remoteAddress: req.socket.remoteAddress ?? 'unknown',
    userAgent: String(req.headers['user-agent'] ?? '').slice(0, MAX_USER_AGENT_CHARS),
  };
}

const isJson = (req: IncomingMessage) =>
  /^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '');

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

export function createAdminGuard(deps: AdminGuardDeps): AdminGuard {
  const refuse = async (
    req: IncomingMessage,
    action: string,
    actor: Actor | undefined,
    error: ApiError,
  ): Promise<never> => {
    const meta = requestMeta(req);
    await deps.audit({
      id: randomUUID(),
      at: deps.now(),
      action,
      phase: 'refused',
      request: { method: req.method, path: req.url?.slice(0, 200) },
      ok: false,
      result: { status: error.status, code: error.code, message: error.message },
      actor: actor === undefined ? 'anonymous' : describeActor(actor),
      ...meta,
    });
    throw error;
  };

  const auditSession = (req: IncomingMessage, action: 'sign-in' | 'sign-out', id: string) =>
    deps.audit({
      id: randomUUID(),
      at: deps.now(),
      action,
      phase: 'result',
      request: {},
      ok: true,
      result: { session: id },
      actor: `session:${id}`,
      ...requestMeta(req),
    });

  const throttled = (address: string) => {
    try {
      deps.throttle.check(address);
    } catch (error) {
      if (error instanceof TooManyAttemptsError) {
        throw new TooManyRequestsError(error.message, error.retryAfterMs);
      }
      throw error;
    }
  };

  const originCheck = (req: IncomingMessage): string | undefined =>
    crossOriginReason(
      {
        host: header(req, 'host'),
        origin: header(req, 'origin'),
        'sec-fetch-site': header(req, 'sec-fetch-site'),
      },
      deps.policy,
    );

  // Behind a TLS-terminating proxy the browser is on https although we are not.
  const overHttps = (req: IncomingMessage) =>
    deps.secureCookies === true ||
    (req.socket as { encrypted?: boolean }).encrypted === true ||
    header(req, 'x-forwarded-proto') === 'https';
  const cookieAttributes = (req: IncomingMessage, maxAgeS: number) =>
    `Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${overHttps(req) ? '; Secure' : ''}`;

  return {
    async admit(req, action) {
      if (!isJson(req)) throw new UnsupportedMediaTypeError();
      const address = requestMeta(req).remoteAddress;
      throttled(address);
      const actor = authenticate(req.headers, deps.adminToken, deps.sessions);
      if (actor === undefined) {
        deps.throttle.fail(address);
        return refuse(req, action, undefined, new UnauthorizedError());
      }
      if (actor.kind === 'session') {
        const reason = originCheck(req);
        if (reason !== undefined) {
          return refuse(req, action, actor, new ForbiddenError('FORBIDDEN_ORIGIN', reason));
        }
      }
      deps.throttle.succeed(address);
      const body = await readJson(req);
      return { caller: { actor: describeActor(actor), ...requestMeta(req) }, body };
    },

    async audited(caller, action, body, run) {
      const requestId = randomUUID();
      const row = (phase: 'intent' | 'result', ok: boolean, result: unknown): AuditEntry => ({
        id: `${requestId}:${phase}`,
        requestId,
        at: deps.now(),
        action,
        phase,
        request: body,
        ok,
        result,
        ...caller,
      });
      await deps.audit(row('intent', true, null));
      try {
        const value = await run();
        await deps.audit(row('result', true, value));
        return value;
      } catch (error) {
        await deps.audit(
          row('result', false, { refused: error instanceof Error ? error.message : String(error) }),
        );
        throw error;
      }
    },

    status(req) {
      const signedIn = deps.sessions.verify(readCookie(req.headers.cookie, SESSION_COOKIE));
      return { status: 200, json: { signedIn: signedIn !== undefined } };
    },

    async signIn(req) {
      if (!isJson(req)) throw new UnsupportedMediaTypeError();
      // A browser on another site has no business signing anyone in here.
      if (header(req, 'origin') !== undefined || header(req, 'sec-fetch-site') !== undefined) {
        const reason = originCheck(req);
        if (reason !== undefined) {
          return refuse(req, 'sign-in', undefined, new ForbiddenError('FORBIDDEN_ORIGIN', reason));
        }
      }
      const address = requestMeta(req).remoteAddress;
      throttled(address);
      const given = ((await readJson(req)) as { token?: unknown } | null)?.token;
      if (!isAdminToken(given, deps.adminToken)) {
        deps.throttle.fail(address);
        return refuse(req, 'sign-in', undefined, new UnauthorizedError('wrong admin token'));
      }
      deps.throttle.succeed(address);
      const { cookie, session } = deps.sessions.create();
      const ttlS = Math.floor(deps.sessions.ttlMs / 1_000);
      await auditSession(req, 'sign-in', session.id);
      return {
        status: 200,
        json: { signedIn: true },
        headers: { 'set-cookie': `${SESSION_COOKIE}=${cookie}; ${cookieAttributes(req, ttlS)}` },
      };
    },

    async signOut(req) {
      const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
      // Signing a victim out from another site is a nuisance, and refused like any other change.
      const reason = cookie === undefined ? undefined : originCheck(req);
      if (reason !== undefined) {
        return refuse(req, 'sign-out', undefined, new ForbiddenError('FORBIDDEN_ORIGIN', reason));
      }
      const session = deps.sessions.revoke(cookie);
      if (session !== undefined) {
        await auditSession(req, 'sign-out', session.id);
      }
      return {
        status: 200,
        json: { signedIn: false },
        headers: { 'set-cookie': `${SESSION_COOKIE}=; ${cookieAttributes(req, 0)}` },
      };
    },
  };
}
