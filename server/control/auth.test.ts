import { describe, expect, it } from 'vitest';
import { authenticate, bearerToken, isAdminRequest, readCookie, SESSION_COOKIE } from './auth.ts';
import { SessionStore } from './sessions.ts';
import { FailureThrottle, FREE_FAILURES, TooManyAttemptsError } from './throttle.ts';

const TOKEN = 'admin-token-0123456789';

function clock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('control auth', () => {
  it('control auth — a session verifies until it expires, and not after it is revoked', () => {
    const c = clock();
    const sessions = new SessionStore({ now: c.now, ttlMs: 60_000 });
    const { cookie, session } = sessions.create();
    expect(sessions.verify(cookie)).toEqual(session);
    c.advance(59_999);
    expect(sessions.verify(cookie)).toBeDefined();
    c.advance(1);
    expect(sessions.verify(cookie)).toBeUndefined();
    const other = sessions.create();
    expect(sessions.revoke(other.cookie)).toEqual(other.session);
    expect(sessions.verify(other.cookie)).toBeUndefined();
    expect(sessions.verify('garbage')).toBeUndefined();
    expect(sessions.verify(undefined)).toBeUndefined();
  });

  it('control auth — the session table is bounded: the oldest session is signed out', () => {
    const sessions = new SessionStore({ now: clock().now, max: 3 });
    const first = sessions.create();
    for (let i = 0; i < 3; i++) sessions.create();
    expect(sessions.size).toBe(3);
    expect(sessions.verify(first.cookie)).toBeUndefined();
  });

  it('control auth — the session id named in the audit log is not the cookie', () => {
    const { cookie, session } = new SessionStore({ now: clock().now }).create();
    expect(cookie).not.toContain(session.id);
    expect(cookie.length).toBeGreaterThanOrEqual(43);
  });

  it('control auth — accepts the bearer token or a live session, refuses neither or a wrong one', () => {
    const sessions = new SessionStore({ now: clock().now });
    const cookie = `other=1; ${SESSION_COOKIE}=${sessions.create().cookie}`;
    expect(authenticate({ authorization: `Bearer ${TOKEN}` }, TOKEN, sessions)).toEqual({
      kind: 'token',
    });
    expect(authenticate({ cookie }, TOKEN, sessions)?.kind).toBe('session');
    expect(isAdminRequest({}, TOKEN, sessions)).toBe(false);
    expect(isAdminRequest({ authorization: 'Bearer wrong' }, TOKEN, sessions)).toBe(false);
    // A wrong bearer token is not rescued by a cookie: the caller said who it is and was wrong.
    expect(isAdminRequest({ authorization: 'Bearer wrong', cookie }, TOKEN, sessions)).toBe(false);
    expect(isAdminRequest({ cookie: `${SESSION_COOKIE}=v1.1.x.y` }, TOKEN, sessions)).toBe(false);
  });

  it('control auth — parses cookie and authorization headers', () => {
    expect(readCookie('a=1; b=two%20words', 'b')).toBe('two words');
    expect(readCookie('a=1', 'b')).toBeUndefined();
    expect(readCookie(undefined, 'a')).toBeUndefined();
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
  });

  it('control auth — failed attempts beyond the free ones wait longer and longer', () => {
    const c = clock();
    const throttle = new FailureThrottle(c.now);
    for (let i = 0; i < FREE_FAILURES; i++) {
      throttle.check('a');
      throttle.fail('a');
    }
    throttle.check('a');
    throttle.fail('a');
    expect(() => throttle.check('a')).toThrow(TooManyAttemptsError);
    throttle.check('b');
    c.advance(1_000);
    throttle.check('a');
    throttle.fail('a');
    c.advance(1_999);
    expect(() => throttle.check('a')).toThrow(/retry in 1 s/);
    c.advance(1);
    throttle.succeed('a');
    throttle.fail('a');
    throttle.check('a');
  });
});
