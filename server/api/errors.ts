/**
 * The one place that turns errors into HTTP answers (as dub's `lib/api/errors.ts` does): zod
 * issues and bad input → 400 with a clear message, missing or wrong token → 401, another origin
 * or host → 403, unknown id → 404, not JSON → 415, too many failed sign-ins → 429, anything
 * else → 500 with no details (logged).
 */
import { ZodError } from 'zod';

/** An error the API answers with its own status and code (every class below is one). */
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

/** A request the server understood but refuses: unknown node, overlapping sides, bad ttl. */
export class BadRequestError extends ApiError {
  constructor(code: string, message: string) {
    super(400, code, message);
  }
}

/** Raised for a name that no agent and no peer has ever reported. */
export class UnknownNodeError extends BadRequestError {
  constructor(readonly node: string) {
    super('UNKNOWN_NODE', `unknown node ${JSON.stringify(node)}`);
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

/** A request that conflicts with the server's state (e.g. a drill is already running). */
export class ConflictError extends ApiError {
  constructor(code: string, message: string) {
    super(409, code, message);
  }
}

/** A named thing that does not exist (e.g. `GET /api/drills/<id>` of an unknown drill). */
export class NotFoundError extends ApiError {
  constructor(code: string, message: string) {
    super(404, code, message);
  }
}

/** The server is up but a service it needs is not (e.g. called before start-up completed). */
export class UnavailableError extends ApiError {
  constructor(message: string) {
    super(503, 'UNAVAILABLE', message);
  }
}

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
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
