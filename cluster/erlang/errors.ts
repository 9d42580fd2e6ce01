/**
 * Errors of the Erlang distribution layer: one class per condition, each with a stable `code`.
 * They extend the runtime's `ClusterError` so callers can handle both transports alike.
 */
import { ClusterError } from '../errors.ts';

/** Base of this folder's errors; `code` is the runtime's nearest code, `erlangCode` the precise one. */
export abstract class ErlangError extends ClusterError {
  abstract readonly erlangCode: string;
}

/** Bytes that are not a valid external term (truncated, unknown tag, over a limit). */
export class MalformedTermError extends ErlangError {
  readonly code = 'protocol_error';
  readonly erlangCode = 'etf_malformed';
}
/** A JavaScript value that has no Erlang term form (a function, `undefined`, a huge atom…). */
export class UnencodableTermError extends ErlangError {
  readonly code = 'bad_argument';
  readonly erlangCode = 'etf_unencodable';
}
/** The EPMD answered with an error or garbage, or could not be reached. */
export class EpmdError extends ErlangError {
  readonly code = 'noconnection';
  readonly erlangCode = 'epmd_failed';
  override readonly retryable = true;
}
/** The distribution handshake failed (cookie, flags, name, status, timeout). */
export class ErlangHandshakeError extends ErlangError {
  readonly code = 'handshake_failed';
  readonly erlangCode = 'dist_handshake_failed';
}
/** A `call()` or `rpc()` got `{badrpc, Reason}`; `reason` is the Erlang term. */
export class BadRpcError extends ErlangError {
  readonly code = 'remote_exception';
  readonly erlangCode = 'badrpc';
  constructor(
    message: string,
    readonly reason: unknown,
  ) {
    super(message);
  }
}
