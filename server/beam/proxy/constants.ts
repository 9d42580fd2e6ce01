/** Defaults of the BEAM distribution proxy, in one place with the unit in the name. */

/**
 * Bytes of a frame's beginning kept to read its distribution header and control message. A
 * header with 255 new atom cache entries of 255 four-byte characters is ~261 KiB; anything
 * larger is not a well-formed header, and the frame is counted with destination `unknown`.
 */
export const DEFAULT_MAX_FRAME_PREFIX_BYTES = 320 * 1024;
/** distinct `pid:<…>` destinations per link and direction before they count as `pid:other` */
export const DEFAULT_MAX_PID_DESTINATIONS = 16;
/** fragmented messages in flight per link direction before the oldest is counted as it stands */
export const DEFAULT_MAX_FRAGMENTED_MESSAGES = 64;
/** bytes delayed by a latency fault per direction before the sender is paused (back-pressure) */
export const DEFAULT_LATENCY_QUEUE_BYTES = 8 * 1024 * 1024;
/** command ids remembered per node for idempotency */
export const DEFAULT_REMEMBERED_COMMANDS = 256;
/** fault events kept per node until the observer takes them */
export const DEFAULT_MAX_PENDING_EVENTS = 256;
/** a handshake packet is a few hundred bytes; a longer one is not Erlang talking */
export const MAX_HANDSHAKE_PACKET_BYTES = 4096;
