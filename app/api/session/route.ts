/**
 * Dashboard sign-in: `POST {token}` checks the admin token and sets an httpOnly, SameSite=Strict
 * session cookie (signed, never the token itself); `DELETE` signs out; `GET` says whether the
 * browser holds a valid session (the page cannot read an httpOnly cookie). Control routes accept
 * that cookie through `isAdminRequest` (server/control/auth.ts).
 */
import { NextResponse } from 'next/server';
import { getServerContext } from '../../../server/context.ts';
import {
  isAdminRequest,
  isAdminToken,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  signSession,
} from '../../../server/control/auth.ts';

export const dynamic = 'force-dynamic';

const MAX_BODY_CHARS = 4_096;

const error = (status: number, code: string, message: string) =>
  NextResponse.json(
    { error: { code, message } },
    { status, headers: { 'cache-control': 'no-store' } },
  );

function adminToken(): string | undefined {
  return getServerContext()?.adminToken;
}

const isHttps = (request: Request) =>
  new URL(request.url).protocol === 'https:' ||
  request.headers.get('x-forwarded-proto') === 'https';

export function GET(request: Request) {
  const token = adminToken();
  const signedIn =
    token !== undefined &&
    isAdminRequest({ cookie: request.headers.get('cookie') }, token, Date.now());
  return NextResponse.json({ signedIn }, { headers: { 'cache-control': 'no-store' } });
}

export async function POST(request: Request) {
  const token = adminToken();
  if (token === undefined) return error(503, 'UNAVAILABLE', 'the observatory is starting');
  // A JSON content type forces a CORS preflight, so another site cannot post a sign-in form.
  if (!(request.headers.get('content-type') ?? '').includes('application/json')) {
    return error(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the token as JSON: {"token": "…"}');
  }
  const text = await request.text();
  if (text.length > MAX_BODY_CHARS) return error(400, 'BODY_TOO_LARGE', 'request body too large');
  let given: unknown;
  try {
    given = (JSON.parse(text) as { token?: unknown }).token;
  } catch {
    return error(400, 'BAD_JSON', 'request body is not valid JSON');
  }
  if (!isAdminToken(given, token)) return error(401, 'UNAUTHORIZED', 'wrong admin token');
  const response = NextResponse.json(
    { signedIn: true },
    { headers: { 'cache-control': 'no-store' } },
  );
  response.cookies.set(SESSION_COOKIE, signSession(token, Date.now()), {
    httpOnly: true,
    sameSite: 'strict',
    secure: isHttps(request),
    path: '/',
    maxAge: Math.floor(SESSION_TTL_MS / 1_000),
  });
  return response;
}

export function DELETE(request: Request) {
  const response = NextResponse.json(
    { signedIn: false },
    { headers: { 'cache-control': 'no-store' } },
  );
  response.cookies.set(SESSION_COOKIE, '', {
    httpOnly: true,
    sameSite: 'strict',
    secure: isHttps(request),
    path: '/',
    maxAge: 0,
  });
  return response;
}
