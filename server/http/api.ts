/**
 * The observatory's HTTP API, served by the custom server before Next.js sees the request, so it
 * works with or without a dashboard build and shares the process's live state directly.
 * Handlers are thin: each calls one function and returns JSON; `sendError` maps errors to codes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An error that carries its HTTP status; anything else becomes a 500 with no details. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface ApiResult {
  readonly status: number;
  readonly body: unknown;
}

export type ApiHandler = (req: IncomingMessage, url: URL) => Promise<ApiResult>;

/** Routes keyed by `"<METHOD> <path>"`, e.g. `"GET /api/health"`. */
export type ApiRoutes = Readonly<Record<string, ApiHandler>>;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: unknown, log: (line: string) => void): void {
  if (error instanceof HttpError) {
    sendJson(res, error.status, { error: { code: error.code, message: error.message } });
    return;
  }
  log(
    `api: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  sendJson(res, 500, { error: { code: 'INTERNAL', message: 'internal error' } });
}

/**
 * Returns a request listener that answers the paths it knows and returns false for any other
 * request, so the caller can hand it to Next.js (whose `app/api/**` route handlers still work).
 */
export function createApiHandler(
  routes: ApiRoutes,
  log: (line: string) => void,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const paths = new Set(Object.keys(routes).map((key) => key.slice(key.indexOf(' ') + 1)));
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!paths.has(url.pathname)) return false; // Next.js may have a route handler for it
    const handler = routes[`${req.method ?? 'GET'} ${url.pathname}`];
    if (handler === undefined) {
      sendError(res, new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} not allowed`), log);
      return true;
    }
    handler(req, url).then(
      (result) => sendJson(res, result.status, result.body),
      (error: unknown) => sendError(res, error, log),
    );
    return true;
  };
}
