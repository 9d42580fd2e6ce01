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
  let head: number;
  try {
    enc.shortStr(name);
    enc.shortStr(channel);
    // the payload's tag is counted with the header: maxMessageBytes bounds the payload itself
    head = enc.frameBytes + 1;
    if (message instanceof Uint8Array && message.length >= EXTERNAL_PAYLOAD_MIN_BYTES) {
      enc.u8(PayloadTag.BYTES);
      const slabPart = enc.endExternal(message.length);
      const size = slabPart + message.length;
      // sends to one registered name keep their order, even past a bulk transfer
      return out.dataEndedExternal(slabPart, message, channel || 'send', name) ? -size : size;
    }
    enc.payload(message);
  } catch (err) {
    enc.abort();
    throw err;
  }
  const size = enc.end();
  return out.dataEnded(size, channel || 'send', name, size - head) ? -size : size;
}

/**
 * Prefix of RPC handlers' order keys, so they do not share a registered name's. A name that
 * happens to equal one only orders those frames together: more order than needed, never less.
 */
const RPC_ORDER_PREFIX = '\u0000rpc:';

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
  let head: number;
  try {
    enc.u32(id < 0 ? 0 : id);
    enc.shortStr(handler ?? '');
    head = enc.frameBytes + 1;
    enc.payload(payload as Payload);
  } catch (err) {
    enc.abort();
    throw err;
  }
  const size = enc.end();
  // calls and casts to one handler keep their order; a reply answers one call and needs none
  const order = handler === null ? undefined : RPC_ORDER_PREFIX + handler;
  return conn.outbound.dataEnded(size, 'rpc', order, size - head) ? -size : size;
}
