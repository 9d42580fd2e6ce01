/**
 * Defaults of the multi-server mode (several observatory servers on one PostgreSQL store), in
 * one place, each with its unit in the name.
 */

/** A server tells its peers which agents it holds at least this often (also its liveness). */
export const PEER_HEARTBEAT_MS = 2_000;
/**
 * A peer not heard for this long is gone: its agents are marked down on this server. Five
 * heartbeats, so a loaded machine or a slow NOTIFY does not flap nodes.
 */
export const PEER_TIMEOUT_MS = 10_000;
/** Live changes are sent to peers in one message per this interval at most (coalesced). */
export const PEER_FLUSH_MS = 100;
/**
 * A peer message that arrives ahead of an earlier one (large ones take a detour through the
 * adapter's attachment table) waits this long for the gap to fill before the gap is skipped.
 */
export const PEER_REORDER_WAIT_MS = 1_000;
/** A forwarded command waits for the agent's own time limit plus this much for the two hops. */
export const FORWARD_SLACK_MS = 2_000;
/** A server that does not hold the jobs lock tries to take it this often. */
export const LEADER_RETRY_MS = 2_000;
/** The holder of a lock checks its PostgreSQL session is alive this often. */
export const LOCK_PING_MS = 5_000;

/**
 * Advisory lock keys (two int4: class, object). The class is ours, apart from the migration
 * runner's single-int key (server/store/migrate.ts), which lives in another key space.
 */
export const ADVISORY_LOCK_CLASS = 72707370;
/** held by the one server that runs rollups and retention */
export const JOBS_LOCK_KEY = 1;
/** held by the server running a drill, for the drill's duration */
export const DRILL_LOCK_KEY = 2;

/** socket.io-postgres-adapter: the table for payloads over NOTIFY's 8000-byte limit. */
export const ADAPTER_TABLE = 'socket_io_attachments';
/** NOTIFY channel prefix of the adapter */
export const ADAPTER_CHANNEL_PREFIX = 'observatory';
