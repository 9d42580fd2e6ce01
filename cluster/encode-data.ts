import type { Payload } from './api.ts';
import { EXTERNAL_PAYLOAD_MIN_BYTES } from './constants.ts';
import type { Connection } from './connection.ts';
import { Kind } from './wire/kinds.ts';
import { PayloadTag } from './wire/payload.ts';

/*
 * Both encoders return the frame's wire size, negated when it travels as fragments (each
 * fragment is then reported on its own): a number, so the hot path allocates nothing.
 */

/**
 * Encodes a SEND straight into the link's slab. Byte payloads of EXTERNAL_PAYLOAD_MIN_BYTES or
 * more are queued as they are (a view, never copied; the caller must not change them afterwards),
 * so a 64 MiB send returns at once and is cut into fragments as the socket takes them.
 */
export function encodeSend(
  conn: Connection,
  name: string,
  channel: string,
  message: Payload,
): number {
  const out = conn.outbound;
  const enc = out.encoder;
  enc.begin(Kind.SEND);
  try {
    enc.shortStr(name);
    enc.shortStr(channel);
    if (message instanceof Uint8Array && message.length >= EXTERNAL_PAYLOAD_MIN_BYTES) {
      enc.u8(PayloadTag.BYTES);
      const head = enc.endExternal(message.length);
      const size = head + message.length;
      return out.dataEndedExternal(head, message, channel || 'send') ? -size : size;
    }
    enc.payload(message);
  } catch (err) {
    enc.abort();
    throw err;
  }
  const size = enc.end();
  return out.dataEnded(size, channel || 'send') ? -size : size;
}

/** Encodes an RPC frame (call, cast, reply, error) into the link's slab. */
export function encodeRpc(
  conn: Connection,
  kind: number,
  id: number,
  handler: string | null,
  payload: Payload | object,
): number {
  const enc = conn.outbound.encoder;
  enc.begin(kind);
  try {
    enc.u32(id < 0 ? 0 : id);
    enc.shortStr(handler ?? '');
    enc.payload(payload as Payload);
  } catch (err) {
    enc.abort();
    throw err;
  }
  const size = enc.end();
  return conn.outbound.dataEnded(size, 'rpc') ? -size : size;
}
