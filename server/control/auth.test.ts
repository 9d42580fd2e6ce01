import { describe, expect, it } from 'vitest';
import {
  bearerToken,
  isAdminRequest,
  readCookie,
  SESSION_COOKIE,
  signSession,
  verifySession,
} from './auth.ts';

const TOKEN = 'admin-token-0123456789';
const NOW = 1_700_000_000_000;

describe('control auth', () => {
  it('control auth — a session signed with the admin token verifies until it expires', () => {
    const session = signSession(TOKEN, NOW, 60_000);
    expect(verifySession(session, TOKEN, NOW + 59_999)).toBe(true);
    expect(verifySession(session, TOKEN, NOW + 60_000)).toBe(false);
  });

  it('control auth — a session is void under another admin token or when tampered with', () => {
    const session = signSession(TOKEN, NOW, 60_000);
    expect(verifySession(session, 'another-admin-token-xyz', NOW)).toBe(false);
    const [v, exp, nonce, sig] = session.split('.');
    expect(verifySession([v, Number(exp) + 1_000_000, nonce, sig].join('.'), TOKEN, NOW)).toBe(
      false,
    );
    expect(verifySession(`${session}x`, TOKEN, NOW)).toBe(false);
    expect(verifySession('garbage', TOKEN, NOW)).toBe(false);
    expect(verifySession(undefined, TOKEN, NOW)).toBe(false);
  });

  it('control auth — the session cookie does not contain the admin token', () => {
    expect(signSession(TOKEN, NOW)).not.toContain(TOKEN);
  });

  it('control auth — accepts the bearer token or the session cookie, refuses neither or a wrong one', () => {
    const cookie = `other=1; ${SESSION_COOKIE}=${signSession(TOKEN, NOW)}`;
    expect(isAdminRequest({ authorization: `Bearer ${TOKEN}` }, TOKEN, NOW)).toBe(true);
    expect(isAdminRequest({ cookie }, TOKEN, NOW)).toBe(true);
    expect(isAdminRequest({}, TOKEN, NOW)).toBe(false);
    expect(isAdminRequest({ authorization: 'Bearer wrong' }, TOKEN, NOW)).toBe(false);
    // A wrong bearer token is not rescued by a cookie: the caller said who it is and was wrong.
    expect(isAdminRequest({ authorization: 'Bearer wrong', cookie }, TOKEN, NOW)).toBe(false);
    expect(isAdminRequest({ cookie: `${SESSION_COOKIE}=v1.1.x.y` }, TOKEN, NOW)).toBe(false);
  });

  it('control auth — parses cookie and authorization headers', () => {
    expect(readCookie('a=1; b=two%20words', 'b')).toBe('two words');
    expect(readCookie('a=1', 'b')).toBeUndefined();
    expect(readCookie(undefined, 'a')).toBeUndefined();
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
  });
});
