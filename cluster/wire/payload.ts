import type { Payload } from '../api.ts';
import { ProtocolError } from '../errors.ts';

/** Payload type tags: raw bytes and strings skip JSON entirely. */
export const PayloadTag = { BYTES: 0, STRING: 1, JSON: 2 } as const;
export type PayloadTag = (typeof PayloadTag)[keyof typeof PayloadTag];

/**
 * Decodes a payload from `buf[start..end)`. Bytes are returned as a view, not a copy, unless
 * `copyBytes` says that `buf` is reused for other data once the frame is handled.
 */
export function decodePayload(buf: Buffer, start: number, end: number, copyBytes = false): Payload {
  if (start >= end) throw new ProtocolError('missing payload');
  const tag = buf[start];
  if (tag === PayloadTag.BYTES) {
    const view = new Uint8Array(buf.buffer, buf.byteOffset + start + 1, end - start - 1);
    return copyBytes ? view.slice() : view;
  }
  if (tag === PayloadTag.STRING) return buf.toString('utf8', start + 1, end);
  if (tag === PayloadTag.JSON) {
    try {
      return JSON.parse(buf.toString('utf8', start + 1, end)) as Payload;
    } catch (cause) {
      throw new ProtocolError('bad JSON payload', { cause });
    }
  }
  throw new ProtocolError(`unknown payload tag ${tag}`);
}
