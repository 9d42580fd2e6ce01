/**
 * Errors of the sharding layer: one class per condition with a stable `code`. They cross the
 * wire inside RPC results as `{ code, message, data }` (see `toWireError`/`fromWireError`), so
 * that they do not depend on how the runtime serializes exceptions.
 */

export type ShardErrorCode =
  | 'bad_key'
  | 'unknown_op'
  | 'bad_argument'
  | 'wrong_owner'
  | 'no_quorum'
  | 'fenced'
  | 'store_unavailable'
  | 'handoff_timeout'
  | 'overloaded'
  | 'forward_failed'
  | 'internal';

export type ShardErrorData = Record<string, string | number | boolean | null>;

export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly data?: ShardErrorData;
}

/** Base class; `retryable` says whether the same request may succeed if sent again later. */
export class ShardError extends Error {
  readonly code: ShardErrorCode;
  readonly retryable: boolean;
  readonly data: ShardErrorData;
  constructor(
    code: ShardErrorCode,
    message: string,
    options: { retryable?: boolean; data?: ShardErrorData; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.data = options.data ?? {};
  }
}

/** A key that is not a non-empty string of at most MAX_KEY_BYTES UTF-8 bytes. */
export class BadKeyError extends ShardError {
  constructor(message: string) {
    super('bad_key', message);
  }
}

/** An operation nobody defined on the router. */
export class UnknownOpError extends ShardError {
  constructor(op: string) {
    super('unknown_op', `unknown shard operation ${JSON.stringify(op)}`, { data: { op } });
  }
}

/** Malformed arguments to an operation (e.g. a non-integer amount). */
export class BadArgumentError extends ShardError {
  constructor(message: string) {
    super('bad_argument', message);
  }
}

/** The node asked is not the owner; `owner` is the one it believes in (null: none visible). */
export class WrongOwnerError extends ShardError {
  readonly owner: string | null;
  constructor(shard: number, owner: string | null, node: string) {
    super('wrong_owner', `${node} does not own shard ${shard}; owner is ${owner ?? 'unknown'}`, {
      retryable: true,
      data: { shard, owner, node },
    });
    this.owner = owner;
  }
}

/** The owner holds no majority lease for the shard (e.g. it is on the minority side). */
export class NoQuorumError extends ShardError {
  constructor(shard: number, node: string) {
    super('no_quorum', `${node} holds no majority lease for shard ${shard}`, {
      retryable: true,
      data: { shard, node },
    });
  }
}

/** The store refused a write: its epoch is not the shard's current epoch. */
export class FencedError extends ShardError {
  readonly currentEpoch: number;
  constructor(shard: number, epoch: number, currentEpoch: number) {
    super('fenced', `epoch ${epoch} of shard ${shard} is fenced (current ${currentEpoch})`, {
      data: { shard, epoch, currentEpoch },
    });
    this.currentEpoch = currentEpoch;
  }
}

/** The store is locked or unreachable; nothing was committed. */
export class StoreUnavailableError extends ShardError {
  constructor(message: string, cause?: unknown) {
    super('store_unavailable', message, { retryable: true, cause });
  }
}

/** The shard was being handed off for longer than the request could wait. */
export class HandoffTimeoutError extends ShardError {
  constructor(shard: number, waitedMs: number) {
    super('handoff_timeout', `shard ${shard} not available after ${waitedMs} ms of handoff`, {
      retryable: true,
      data: { shard, waitedMs },
    });
  }
}

/** The handoff buffer is full. */
export class OverloadedError extends ShardError {
  constructor(limit: number) {
    super('overloaded', `handoff buffer full (${limit} requests)`, {
      retryable: true,
      data: { limit },
    });
  }
}

/** The owner could not be reached (link down, timeout). Whether the write happened is unknown. */
export class ForwardFailedError extends ShardError {
  constructor(owner: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super('forward_failed', `forward to ${owner} failed: ${why}`, {
      retryable: true,
      data: { owner },
      cause,
    });
  }
}

export function toWireError(err: unknown): WireError {
  if (err instanceof ShardError) return { code: err.code, message: err.message, data: err.data };
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}

/** Revives an error that crossed the wire; unknown codes become a plain non-retryable ShardError. */
export function fromWireError(wire: WireError): ShardError {
  const d = wire.data ?? {};
  const num = (v: unknown): number => (typeof v === 'number' ? v : -1);
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  switch (wire.code) {
    case 'bad_key':
      return new BadKeyError(wire.message);
    case 'unknown_op':
      return new UnknownOpError(str(d.op));
    case 'bad_argument':
      return new BadArgumentError(wire.message);
    case 'wrong_owner':
      return new WrongOwnerError(
        num(d.shard),
        typeof d.owner === 'string' ? d.owner : null,
        str(d.node),
      );
    case 'no_quorum':
      return new NoQuorumError(num(d.shard), str(d.node));
    case 'fenced':
      return new FencedError(num(d.shard), num(d.epoch), num(d.currentEpoch));
    case 'store_unavailable':
      return new StoreUnavailableError(wire.message);
    case 'handoff_timeout':
      return new HandoffTimeoutError(num(d.shard), num(d.waitedMs));
    case 'overloaded':
      return new OverloadedError(num(d.limit));
    case 'forward_failed':
      return new ForwardFailedError(str(d.owner), wire.message);
    default:
      return new ShardError('internal', `${wire.code}: ${wire.message}`);
  }
}
