/** Defaults of the sharding layer, with the unit in the name. Documented in docs/shards.md. */

/** fixed number of shards a key space is cut into */
export const DEFAULT_SHARD_COUNT = 64;
/** how long a majority grant lets a node serve writes for a shard */
export const DEFAULT_LEASE_MS = 3_000;
/**
 * Subtracted by the holder from, and added by a grantor to, every lease: covers clock-rate drift
 * between nodes and scheduling jitter (see docs/shards.md for the argument).
 */
export const DEFAULT_DRIFT_MARGIN_MS = 500;
/** how often a holder renews its leases (a third of the lease, so two renewals may fail) */
export const DEFAULT_RENEW_INTERVAL_MS = 1_000;
/** how often a would-be owner retries to acquire a shard it cannot get yet */
export const DEFAULT_ACQUIRE_RETRY_MS = 250;
/** timeout of one lease RPC to one member */
export const DEFAULT_LEASE_RPC_TIMEOUT_MS = 500;
/** how long a request waits for its shard's handoff before failing with a retryable error */
export const DEFAULT_HANDOFF_WAIT_MS = 5_000;
/** requests buffered per node while shards are being handed off */
export const DEFAULT_MAX_BUFFERED = 10_000;
/** how long an old owner waits for in-flight writes before releasing anyway */
export const DEFAULT_DRAIN_TIMEOUT_MS = 2_000;
/** timeout of a forwarded request */
export const DEFAULT_FORWARD_TIMEOUT_MS = 5_000;
/** SQLite busy_timeout: how long a writer waits for another process's lock */
export const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 2_000;
/** longest key accepted, in UTF-8 bytes */
export const MAX_KEY_BYTES = 256;
