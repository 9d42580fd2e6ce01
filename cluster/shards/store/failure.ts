import { ShardError, StoreUnavailableError } from '../errors.ts';
import type { StoreKind } from './types.ts';

/**
 * What a store call throws when its driver failed: our own errors as they are, the driver's
 * "cannot reach / someone else holds it" errors as a retryable StoreUnavailableError, anything
 * else unchanged. `isUnavailable` is the driver's own classification.
 */
export function storeFailure(
  kind: StoreKind,
  what: string,
  err: unknown,
  isUnavailable: (err: unknown) => boolean,
): unknown {
  if (err instanceof ShardError || !isUnavailable(err)) return err;
  const why = err instanceof Error ? err.message : String(err);
  return new StoreUnavailableError(`${kind} ${what}: ${why}`, err);
}
