/**
 * Dashboard sign-in for a server that hosts Next.js without the observatory's own API (the e2e
 * fake observatory): the observatory server answers `/api/session` itself, before Next.js
 * (server/http/admin.ts, with sign-in back-off and audit). `POST {token}` checks the admin token
 * and sets an httpOnly, SameSite=Strict cookie naming a server-side session; `DELETE` ends that
 * session; `GET` says whether the browser holds a live one.
 */
import { NextResponse } from 'next/server';
import { getServerContext } from '../../../server/context.ts';
import {
  isAdminRequest,
  isAdminToken,
  readCookie,
  SESSION_COOKIE,
  SESSION_TTL_MS,
} from '../../../server/control/auth.ts';

export const dynamic = 'force-dynamic';

const MAX_BODY_CHARS = 4_096;

const error = (status: number, code: string, message: string) =>
  NextResponse.json(
    { error: { code, message } },
    { status, headers: { 'cache-control': 'no-store' } },
  );

const adminToken = () => getServerContext()?.adminToken;
const sessions = () => getServerContext()?.sessions;

const isHttps = (request: Request) =>
  new URL(request.url).protocol === 'https:' ||
  request.headers.get('x-forwarded-proto') === 'https';

export function GET(request: Request) {
  const token = adminToken();
  const store = sessions();
  const signedIn =
    token !== undefined &&
    store !== undefined &&
    isAdminRequest({ cookie: request.headers.get('cookie') }, token, store);
  return NextResponse.json({ signedIn }, { headers: { 'cache-control': 'no-store' } });
}

export async function POST(request: Request) {
  const token = adminToken();
  const store = sessions();
  if (token === undefined || store === undefined)
    return error(503, 'UNAVAILABLE', 'the observatory is starting');
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
  response.cookies.set(SESSION_COOKIE, store.create().cookie, {
    httpOnly: true,
    sameSite: 'strict',
    secure: isHttps(request),
    path: '/',
    maxAge: Math.floor(SESSION_TTL_MS / 1_000),
  });
  return response;
}

export function DELETE(request: Request) {
  sessions()?.revoke(readCookie(request.headers.get('cookie'), SESSION_COOKIE));
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
