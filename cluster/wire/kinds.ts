import type { Channel } from '../api.ts';

/** Message kinds on the wire (one byte after the length prefix). */
export const Kind = {
  HELLO: 1,
  CHALLENGE: 2,
  CHALLENGE_REPLY: 3,
  CHALLENGE_ACK: 4,
  REJECT: 5,
  TICK: 10,
  MESH_PEERS: 11,
  PING: 12,
  PONG: 13,
  DISCONNECT: 14,
  SEND: 20,
  RPC_CALL: 21,
  RPC_CAST: 22,
  RPC_REPLY: 23,
  RPC_ERROR: 24,
  RPC_CANCEL: 25,
  MONITOR: 30,
  DEMONITOR: 31,
  MONITOR_DOWN: 32,
  FRAG_FIRST: 40,
  FRAG_NEXT: 41,
  /** the sender dropped the rest of a fragmented message (a fault cut it): discard the partial */
  FRAG_ABORT: 42,
  /**
   * the receiver consumed u32 more bytes of fragments (0xffffffff: forget what is in flight, sent
   * after a blackhole ended, since fragments and acks were lost in it); opens the sender's window
   */
  FRAG_ACK: 43,
} as const;

/** FRAG_ACK's body when the receiver asks the sender to forget the bytes it counts in flight. */
export const FRAG_ACK_RESET = 0xffffffff;
export type Kind = (typeof Kind)[keyof typeof Kind];

const channels: (Channel | undefined)[] = [];
for (const k of [Kind.HELLO, Kind.CHALLENGE, Kind.CHALLENGE_REPLY, Kind.CHALLENGE_ACK, Kind.REJECT])
  channels[k] = 'handshake';
channels[Kind.TICK] = 'tick';
for (const k of [Kind.MESH_PEERS, Kind.PING, Kind.PONG, Kind.DISCONNECT]) channels[k] = 'mesh';
channels[Kind.SEND] = 'send';
for (const k of [Kind.RPC_CALL, Kind.RPC_CAST, Kind.RPC_REPLY, Kind.RPC_ERROR, Kind.RPC_CANCEL])
  channels[k] = 'rpc';
for (const k of [Kind.MONITOR, Kind.DEMONITOR, Kind.MONITOR_DOWN]) channels[k] = 'monitor';

/** The instrumentation channel of a kind, or undefined when the kind is unknown. */
export function channelOf(kind: number): Channel | undefined {
  return channels[kind];
}

/** Kinds that may arrive before the handshake completes. */
export function isHandshakeKind(kind: number): boolean {
  return kind >= Kind.HELLO && kind <= Kind.REJECT;
}

/** Kinds that are never queued behind bulk data. */
export function isControlKind(kind: number): boolean {
  const c = channels[kind];
  return c === 'tick' || c === 'handshake' || c === 'mesh' || c === 'monitor';
}

/** Kinds that may be carried inside fragments (data, never control or fragments). */
export function isFragmentableKind(kind: number): boolean {
  return kind === Kind.SEND || (kind >= Kind.RPC_CALL && kind <= Kind.RPC_ERROR);
}
