/** Defaults of the discovery strategies, units in the names. */
export const DEFAULT_BACKOFF_INITIAL_MS = 200;
export const DEFAULT_BACKOFF_MAX_MS = 5_000;
export const DEFAULT_BACKOFF_JITTER = 0.2;
/** how often known targets that are not connected are re-checked */
export const DEFAULT_RECHECK_INTERVAL_MS = 500;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

export const DEFAULT_GOSSIP_GROUP = '239.255.42.99';
export const DEFAULT_GOSSIP_PORT = 45892;
/** multicast stays on loopback unless told otherwise */
export const DEFAULT_GOSSIP_INTERFACE = '127.0.0.1';
export const DEFAULT_GOSSIP_INTERVAL_MS = 1_000;
/** announcements older (or further in the future) than this are stale */
export const DEFAULT_GOSSIP_MAX_AGE_MS = 10_000;
/** a peer that stopped announcing is forgotten after this long */
export const DEFAULT_GOSSIP_FORGET_AFTER_MS = 30_000;
/** retry delay after the gossip socket failed to bind */
export const DEFAULT_GOSSIP_BIND_RETRY_MS = 2_000;
export const MAX_ANNOUNCEMENT_BYTES = 1_024;

export const DEFAULT_DNS_INTERVAL_MS = 2_000;
export const DEFAULT_DNS_TIMEOUT_MS = 1_000;
