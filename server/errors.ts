/**
 * The observatory's domain errors: what the control plane and the drill service refuse, in their
 * own words. They know nothing of HTTP; the HTTP edge maps each `kind` to a status in one place
 * (server/http/errors.ts), so domain code never depends on the layer above it.
 */

/** How a refusal reads to a caller, whatever the transport. */
export type ErrorKind = 'bad-input' | 'not-found' | 'conflict' | 'unavailable';

/** A refusal with a stable `code` that any edge may show its caller as is. */
export class ObservatoryError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A request the server understood but refuses: unknown node, overlapping sides, bad ttl. */
export class BadRequestError extends ObservatoryError {
  constructor(code: string, message: string) {
    super('bad-input', code, message);
  }
}

/** Raised for a name that no agent and no peer has ever reported. */
export class UnknownNodeError extends BadRequestError {
  constructor(readonly node: string) {
    super('UNKNOWN_NODE', `unknown node ${JSON.stringify(node)}`);
  }
}

/** A request that conflicts with the server's state (e.g. a drill is already running). */
export class ConflictError extends ObservatoryError {
  constructor(code: string, message: string) {
    super('conflict', code, message);
  }
}

/** A named thing that does not exist (e.g. a drill id nobody started). */
export class NotFoundError extends ObservatoryError {
  constructor(code: string, message: string) {
    super('not-found', code, message);
  }
}

/** The server is up but a service it needs is not (e.g. called before start-up completed). */
export class UnavailableError extends ObservatoryError {
  constructor(message: string) {
    super('unavailable', 'UNAVAILABLE', message);
  }
}
