/** Defaults of `attachAgent` options, in one place with the unit in the name. */

export const DEFAULT_AGENT_INTERVAL_MS = 1_000;
/** 15 minutes of 1 s snapshots: the issue asks for at least 10 */
export const DEFAULT_BUFFER_MAX_SNAPSHOTS = 900;
/** estimated bytes of buffered snapshots; the oldest are dropped (and counted) beyond it */
export const DEFAULT_BUFFER_MAX_BYTES = 64 * 1024 * 1024;
/** faults revert by themselves when the server has been unreachable this long */
export const DEFAULT_FAULT_UNREACHABLE_REVERT_MS = 30_000;
/** a batch without an ack by then is sent again */
export const DEFAULT_SNAPSHOT_ACK_TIMEOUT_MS = 10_000;
/** if the server sends no `welcome`, start sending anyway after this long */
export const DEFAULT_WELCOME_TIMEOUT_MS = 3_000;
export const DEFAULT_RECONNECT_DELAY_MS = 500;
export const DEFAULT_RECONNECT_DELAY_MAX_MS = 5_000;
/** time given to the kill ack to leave the socket before `onKill` runs */
export const DEFAULT_KILL_DELAY_MS = 100;
/** pause before resending a batch the server answered with an error */
export const DEFAULT_RESEND_DELAY_MS = 1_000;
/** command ids remembered for idempotency */
export const DEFAULT_REMEMBERED_COMMANDS = 1_000;
/** (peer, channel, direction) rows idle this many intervals are forgotten */
export const DEFAULT_ROW_IDLE_INTERVALS = 60;
/** down links are reported this long after they went down, then forgotten */
export const DEFAULT_DOWN_LINK_RETENTION_MS = 600_000;
