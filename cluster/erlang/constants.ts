/** Defaults and protocol numbers of the Erlang distribution layer, unit in the name. */

/** Where EPMD listens unless told otherwise (Erlang's ERL_EPMD_PORT default). */
export const DEFAULT_EPMD_PORT = 4369;
/** Erlang's default net_ticktime. */
export const DEFAULT_NET_TICKTIME_MS = 60_000;
/** A handshake not finished by then is dropped (net_kernel's setup time is 7 s). */
export const DEFAULT_DIST_HANDSHAKE_TIMEOUT_MS = 7_000;
/** Deadline of `call()` and `ping()` when none is given. */
export const DEFAULT_ERLANG_CALL_TIMEOUT_MS = 5_000;
/** Largest distribution frame accepted after the handshake; bigger is a protocol error. */
export const DEFAULT_MAX_DIST_FRAME_BYTES = 64 * 1024 * 1024;
/** Deepest nesting of a decoded term (lists' tails do not count, only containers). */
export const DEFAULT_MAX_TERM_DEPTH = 1_000;
/** Largest term a compressed term may expand to. */
export const DEFAULT_MAX_TERM_BYTES = 64 * 1024 * 1024;
/** Largest bignum decoded, in bytes of digits (8 Mbit): bounds the CPU a peer can make us spend. */
export const MAX_BIG_BYTES = 1024 * 1024;
/** Longest atom BEAM accepts, in characters. */
export const MAX_ATOM_CHARS = 255;
/** How long a connect waits for EPMD's answers. */
export const DEFAULT_EPMD_TIMEOUT_MS = 5_000;

/** Distribution capability flags (erl_dist_protocol, dist.hrl). */
export const DFLAG = {
  PUBLISHED: 0x1n,
  ATOM_CACHE: 0x2n,
  EXTENDED_REFERENCES: 0x4n,
  DIST_MONITOR: 0x8n,
  FUN_TAGS: 0x10n,
  DIST_MONITOR_NAME: 0x20n,
  HIDDEN_ATOM_CACHE: 0x40n,
  NEW_FUN_TAGS: 0x80n,
  EXTENDED_PIDS_PORTS: 0x100n,
  EXPORT_PTR_TAG: 0x200n,
  BIT_BINARIES: 0x400n,
  NEW_FLOATS: 0x800n,
  UNICODE_IO: 0x1000n,
  DIST_HDR_ATOM_CACHE: 0x2000n,
  SMALL_ATOM_TAGS: 0x4000n,
  UTF8_ATOMS: 0x10000n,
  MAP_TAG: 0x20000n,
  BIG_CREATION: 0x40000n,
  SEND_SENDER: 0x80000n,
  BIG_SEQTRACE_LABELS: 0x100000n,
  EXIT_PAYLOAD: 0x400000n,
  FRAGMENTS: 0x800000n,
  HANDSHAKE_23: 0x1000000n,
  UNLINK_ID: 0x2000000n,
  MANDATORY_25_DIGEST: 0x4000000n,
  SPAWN: 1n << 32n,
  NAME_ME: 1n << 33n,
  V4_NC: 1n << 34n,
  ALIAS: 1n << 35n,
} as const;

/**
 * What we advertise: everything OTP 25/26 makes mandatory plus spawn, send-sender and exit
 * payloads. No atom cache and no fragments (the issue keeps them off until measured to help);
 * PUBLISHED is added only for a visible node.
 */
export const OUR_FLAGS =
  DFLAG.EXTENDED_REFERENCES |
  DFLAG.DIST_MONITOR |
  DFLAG.FUN_TAGS |
  DFLAG.DIST_MONITOR_NAME |
  DFLAG.NEW_FUN_TAGS |
  DFLAG.EXTENDED_PIDS_PORTS |
  DFLAG.EXPORT_PTR_TAG |
  DFLAG.BIT_BINARIES |
  DFLAG.NEW_FLOATS |
  DFLAG.UNICODE_IO |
  DFLAG.SMALL_ATOM_TAGS |
  DFLAG.UTF8_ATOMS |
  DFLAG.MAP_TAG |
  DFLAG.BIG_CREATION |
  DFLAG.SEND_SENDER |
  DFLAG.BIG_SEQTRACE_LABELS |
  DFLAG.EXIT_PAYLOAD |
  DFLAG.HANDSHAKE_23 |
  DFLAG.UNLINK_ID |
  DFLAG.SPAWN |
  DFLAG.V4_NC;

/** What a peer must offer (OTP 25's mandatory set plus what our encoder assumes). */
export const REQUIRED_FLAGS =
  DFLAG.EXTENDED_REFERENCES |
  DFLAG.FUN_TAGS |
  DFLAG.NEW_FUN_TAGS |
  DFLAG.EXTENDED_PIDS_PORTS |
  DFLAG.EXPORT_PTR_TAG |
  DFLAG.BIT_BINARIES |
  DFLAG.NEW_FLOATS |
  DFLAG.UTF8_ATOMS |
  DFLAG.MAP_TAG |
  DFLAG.BIG_CREATION |
  DFLAG.HANDSHAKE_23;

/** MANDATORY_25_DIGEST stands for this whole set (dist_util:expand_mandatory_25_flag/1). */
export const MANDATORY_25_SET =
  DFLAG.EXTENDED_REFERENCES |
  DFLAG.FUN_TAGS |
  DFLAG.EXTENDED_PIDS_PORTS |
  DFLAG.NEW_FUN_TAGS |
  DFLAG.EXPORT_PTR_TAG |
  DFLAG.BIT_BINARIES |
  DFLAG.NEW_FLOATS |
  DFLAG.UTF8_ATOMS |
  DFLAG.MAP_TAG |
  DFLAG.BIG_CREATION |
  DFLAG.HANDSHAKE_23;
