/** Defaults of the BEAM side of the observatory (lab and observer), in one place. */

/** How often each BEAM node is polled over rex. */
export const DEFAULT_BEAM_POLL_INTERVAL_MS = 1_000;
/** A poll that takes longer than this is abandoned (the next one starts on time). */
export const DEFAULT_BEAM_POLL_TIMEOUT_MS = 2_000;
/** Polls in a row that may fail before the node counts as gone. */
export const BEAM_POLL_FAILURES_BEFORE_DOWN = 3;
/** Between connection attempts to a node that is not reachable. */
export const DEFAULT_BEAM_RECONNECT_MS = 2_000;
/** net_ticktime of the lab's `erl` nodes (seconds, as `-kernel net_ticktime` takes it). */
export const BEAM_LAB_TICKTIME_S = 4;
/** Time an `erl` node gets to print its demo's ready line. */
export const BEAM_NODE_START_TIMEOUT_MS = 30_000;
/** Time given to SIGTERM (`init:stop()`) before SIGKILL when the lab stops. */
export const BEAM_NODE_STOP_GRACE_MS = 3_000;
/** The `pg` scope the demo application uses, listed in each node's stats. */
export const BEAM_DEMO_PG_SCOPE = 'obs_demo_pg';
/** Host part of the lab's node names. */
export const BEAM_LAB_HOST = '127.0.0.1';
/** The one line printed when `erl` is missing (`observatory start --beam N` exits 2). */
export const ERL_NOT_FOUND_MESSAGE =
  'erl not found: install Erlang/OTP 25 or newer, e.g. apt install erlang-nox';
