/** Defaults of the cluster runtime, in one place, unit in the name. */

/** Like Erlang's net_ticktime (60 s): a link silent this long is declared down. */
export const DEFAULT_TICKTIME_MS = 60_000;
/** Largest single frame accepted on the wire; bigger messages travel as fragments. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
/** Largest message payload (a fragmented message's bytes, less its header). */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
/**
 * What a message's frame may carry beyond maxMessageBytes of payload: its kind, destination or
 * handler name, channel and payload tag (two names of at most 255 bytes each), so that a payload
 * of exactly maxMessageBytes crosses.
 */
export const MESSAGE_HEADER_ALLOWANCE_BYTES = 1024;
/** A peer that has not finished the handshake by then is dropped. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5_000;
/**
 * Bytes a peer may send before it has proved the cookie, frames included (the four handshake
 * messages take well under 1 KiB): a stranger's socket costs at most this much memory.
 */
export const MAX_PREAUTH_BYTES = 4 * 1024;
/**
 * Incoming connections still in handshake at once. Above it a new one is closed at once. High
 * enough that a 100-node lab on one host, every node dialing every other at start, never hits it.
 */
export const DEFAULT_MAX_PENDING_HANDSHAKES = 512;
/** The same, from one remote address (all nodes of a one-host lab share 127.0.0.1). */
export const DEFAULT_MAX_PENDING_HANDSHAKES_PER_ADDRESS = 128;
/** Default deadline of `call()` and `ping()`. */
export const DEFAULT_CALL_TIMEOUT_MS = 5_000;
/** Size of the pieces a big message is cut into, so control frames can pass between them. */
export const DEFAULT_FRAGMENT_BYTES = 64 * 1024;
/** Frames up to fragment size plus this slack are sent whole (a 64 KiB payload plus headers). */
export const FRAGMENT_SLACK_BYTES = 1024;
/**
 * Fragment bytes a link keeps in flight (sent, not yet acknowledged by the receiver as consumed).
 * Bounds what a small message sent beside a bulk transfer waits behind in the kernel's socket
 * buffers on both ends (which grow to tens of MiB on loopback), at no cost in throughput as long
 * as an acknowledgement comes back before the window is spent.
 */
export const BULK_WINDOW_BYTES = 8 * 1024 * 1024;
/** The receiver acknowledges fragment bytes in steps of this size (and at each message's end). */
export const BULK_ACK_STEP_BYTES = 1024 * 1024;
/** Data is held back while the socket already buffers this much, so control frames stay near the head. */
export const DEFAULT_SOCKET_HIGH_WATER_BYTES = 1024 * 1024;
/** Pending encoded bytes that force a flush before the end of the event-loop turn. */
export const FLUSH_THRESHOLD_BYTES = 128 * 1024;
/** Initial size of the outgoing slab that small frames are encoded into. */
export const SLAB_BYTES = 256 * 1024;
/**
 * Version of the wire protocol, checked in the handshake (2: transcript MACs; 3: data frames may
 * come between the fragments of a message, which a version 2 node refuses).
 */
export const PROTOCOL_VERSION = 3;
/** Length of the random handshake challenges; a peer's must be at least as long. */
export const CHALLENGE_BYTES = 32;
/**
 * Like Erlang's `-connect_all` (default true): a node connects to the peers its peers tell it of,
 * and tells them of each other, so that the cluster is a full mesh.
 */
export const DEFAULT_CONNECT_ALL = true;
/** Default host to listen on and advertise. */
export const DEFAULT_HOST = '127.0.0.1';
/** Max length of a registered name or handler name, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 255;
/** Byte payloads at least this big are queued as they are instead of copied into the slab. */
export const EXTERNAL_PAYLOAD_MIN_BYTES = 16 * 1024;
