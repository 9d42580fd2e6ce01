/**
 * The one place that turns errors into HTTP answers (as dub's `lib/api/errors.ts` does): zod
 * issues and bad input → 400 with a clear message, missing or wrong token → 401, another origin
 * or host → 403, unknown id → 404, not JSON → 415, too many failed sign-ins → 429, anything
 * else → 500 with no details (logged).
 */
import { ZodError } from 'zod';
import type { ErrorBody } from '../../protocol/http.ts';
import { ObservatoryError, type ErrorKind } from '../errors.ts';

/** The status each kind of domain refusal (server/errors.ts) is answered with. */
const STATUS_OF_KIND: Readonly<Record<ErrorKind, number>> = {
  'bad-input': 400,
  'not-found': 404,
  conflict: 409,
  unavailable: 503,
};

/**
 * A refusal that exists only at the HTTP edge (authentication, origin, media type, back-off),
 * with its own status and code (every class below is one).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** extra response headers, e.g. `retry-after` */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Missing or wrong bearer token. */
export class UnauthorizedError extends ApiError {
  constructor(message = 'missing or invalid admin token (Authorization: Bearer <token>)') {
    super(401, 'UNAUTHORIZED', message);
  }
}

/** An authenticated-looking request from another origin or for another host name. */
export class ForbiddenError extends ApiError {
  constructor(code: string, message: string) {
    super(403, code, message);
  }
}

/** A state-changing request whose body is not declared as JSON. */
export class UnsupportedMediaTypeError extends ApiError {
  constructor() {
    super(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as JSON (Content-Type: application/json)');
  }
}

/** Too many failed attempts from one address; retry after the given time. */
export class TooManyRequestsError extends ApiError {
  constructor(message: string, retryAfterMs: number) {
    super(429, 'TOO_MANY_ATTEMPTS', message, {
      'retry-after': String(Math.ceil(retryAfterMs / 1_000)),
    });
  }
}

/** Describes zod issues in one line: `sides.1: Too small: expected array to have >=1 items`. */
export function describeZodError(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`)
    .join('; ');
}

/** Maps any error to a status and a JSON body; unknown errors are hidden behind a 500. */
export function toErrorResponse(
  error: unknown,
  log: (line: string) => void,
): { status: number; body: ErrorBody; headers?: Readonly<Record<string, string>> } {
  if (error instanceof ZodError) {
    return {
      status: 400,
      body: { error: { code: 'BAD_INPUT', message: describeZodError(error) } },
    };
  }
  if (error instanceof ObservatoryError) {
    return {
      status: STATUS_OF_KIND[error.kind],
      body: { error: { code: error.code, message: error.message } },
    };
  }
  if (error instanceof ApiError) {
    return {
      status: error.status,
      body: { error: { code: error.code, message: error.message } },
      headers: error.headers,
    };
  }
  log(
    `api: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
}
