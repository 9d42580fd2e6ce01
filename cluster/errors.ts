import type { ClusterErrorCode, Payload } from './api.ts';

/** Base of every error the runtime raises; `code` is stable, `message` is for humans. */
export abstract class ClusterError extends Error {
  abstract readonly code: ClusterErrorCode;
  /** whether trying again may succeed */
  readonly retryable: boolean = false;
  /** extra detail that travels with the error across the wire */
  readonly data: Payload | undefined;

  constructor(message: string, options?: { cause?: unknown; data?: Payload }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.data = options?.data;
  }

  /** `{ code, message, data }`, the form in which errors cross the wire */
  toJSON(): { code: ClusterErrorCode; message: string; data?: Payload } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/** The deadline passed before an answer came. */
export class TimeoutError extends ClusterError {
  readonly code = 'timeout';
  override readonly retryable = true;
}
/** The remote node has no handler by that name (not on its allowlist). */
export class NoSuchHandlerError extends ClusterError {
  readonly code = 'no_such_handler';
}
/** No link to the node, or it went down while waiting. */
export class NoConnectionError extends ClusterError {
  readonly code = 'noconnection';
  override readonly retryable = true;
}
/** The remote handler threw; `message` is the remote message. */
export class RemoteExceptionError extends ClusterError {
  readonly code = 'remote_exception';
}
/** The caller's AbortSignal fired. */
export class AbortedError extends ClusterError {
  readonly code = 'aborted';
}
/** The peer sent bytes we could not decode. */
export class ProtocolError extends ClusterError {
  readonly code = 'protocol_error';
}
/** The handshake was refused (cookie, version, duplicate name, timeout). */
export class HandshakeFailedError extends ClusterError {
  readonly code = 'handshake_failed';
}
/** The caller passed something invalid. */
export class BadArgumentError extends ClusterError {
  readonly code = 'bad_argument';
}
/** A message (or RPC payload) bigger than the node's `maxMessageBytes`: it was not sent. */
export class MessageTooLargeError extends ClusterError {
  readonly code = 'message_too_large';
}

/**
 * A service that needs every node it spans linked to every other (global registry, shards) was
 * asked to act on a node that does not join the full mesh (`connectAll: false`) while that is not
 * so, or cannot be.
 */
export class NotFullyConnectedError extends ClusterError {
  readonly code = 'not_fully_connected';
}

const classes: Record<
  ClusterErrorCode,
  new (message: string, options?: { cause?: unknown; data?: Payload }) => ClusterError
> = {
  timeout: TimeoutError,
  no_such_handler: NoSuchHandlerError,
  noconnection: NoConnectionError,
  remote_exception: RemoteExceptionError,
  aborted: AbortedError,
  protocol_error: ProtocolError,
  handshake_failed: HandshakeFailedError,
  bad_argument: BadArgumentError,
  message_too_large: MessageTooLargeError,
  not_fully_connected: NotFullyConnectedError,
};

/** Turns any thrown value into the wire form; unknown errors become `remote_exception`. */
export function serializeError(error: unknown): {
  code: ClusterErrorCode;
  message: string;
  data?: Payload;
} {
  if (error instanceof ClusterError) return error.toJSON();
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'remote_exception', message };
}

/** Rebuilds a typed error from its wire form; anything malformed becomes a ProtocolError. */
export function reviveError(value: unknown): ClusterError {
  if (typeof value !== 'object' || value === null)
    return new ProtocolError('malformed error from peer');
  const v = value as { code?: unknown; message?: unknown; data?: unknown };
  const Cls = typeof v.code === 'string' ? classes[v.code as ClusterErrorCode] : undefined;
  const message = typeof v.message === 'string' ? v.message : 'unknown error';
  if (Cls === undefined) return new RemoteExceptionError(message);
  return v.data === undefined ? new Cls(message) : new Cls(message, { data: v.data as Payload });
}
