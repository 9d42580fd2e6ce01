/**
 * Control messages of the distribution protocol (erl_dist_protocol.xml, "Protocol between
 * connected nodes") and the frames that carry them: `Length:32, 112, Control, [Message]`, with
 * no atom cache (the pass-through form), each term with its own version byte.
 */
import { decodeSeries, type DecodeOptions } from '../etf/decode.ts';
import type { Writer} from '../etf/encode.ts';
import { encodeInto } from '../etf/encode.ts';
import { MalformedTermError } from '../errors.ts';
import { Tuple, type Term } from '../terms.ts';

export const OP = {
  LINK: 1,
  SEND: 2,
  EXIT: 3,
  UNLINK: 4,
  NODE_LINK: 5,
  REG_SEND: 6,
  GROUP_LEADER: 7,
  EXIT2: 8,
  SEND_TT: 12,
  EXIT_TT: 13,
  REG_SEND_TT: 16,
  EXIT2_TT: 18,
  MONITOR_P: 19,
  DEMONITOR_P: 20,
  MONITOR_P_EXIT: 21,
  SEND_SENDER: 22,
  SEND_SENDER_TT: 23,
  PAYLOAD_EXIT: 24,
  PAYLOAD_EXIT_TT: 25,
  PAYLOAD_EXIT2: 26,
  PAYLOAD_EXIT2_TT: 27,
  PAYLOAD_MONITOR_P_EXIT: 28,
  SPAWN_REQUEST: 29,
  SPAWN_REQUEST_TT: 30,
  SPAWN_REPLY: 31,
  SPAWN_REPLY_TT: 32,
  ALIAS_SEND: 33,
  ALIAS_SEND_TT: 34,
  UNLINK_ID: 35,
  UNLINK_ID_ACK: 36,
} as const;

/** Control operations that are followed by a message term. */
const WITH_PAYLOAD = new Set<number>([
  OP.SEND,
  OP.REG_SEND,
  OP.SEND_TT,
  OP.REG_SEND_TT,
  OP.SEND_SENDER,
  OP.SEND_SENDER_TT,
  OP.PAYLOAD_EXIT,
  OP.PAYLOAD_EXIT_TT,
  OP.PAYLOAD_EXIT2,
  OP.PAYLOAD_EXIT2_TT,
  OP.PAYLOAD_MONITOR_P_EXIT,
  OP.SPAWN_REQUEST,
  OP.SPAWN_REQUEST_TT,
  OP.ALIAS_SEND,
  OP.ALIAS_SEND_TT,
]);

export interface DistMessage {
  readonly op: number;
  /** the control tuple's elements, the operation code first */
  readonly control: readonly Term[];
  readonly payload: Term | undefined;
}

const PASS_THROUGH = 112;

/** Decodes the body of a non-tick frame. */
export function decodeFrame(body: Buffer, options: DecodeOptions): DistMessage {
  if (body[0] !== PASS_THROUGH)
    throw new MalformedTermError(`frame does not start with 112 (got ${body[0]})`);
  const d = decodeSeries(body, 1, options, (c) => c instanceof Tuple && WITH_PAYLOAD.has(c.elements[0] as number));
  const c = d.first;
  if (!(c instanceof Tuple) || typeof c.elements[0] !== 'number')
    throw new MalformedTermError('control message is not a tuple with an operation code');
  const op = c.elements[0];
  if (WITH_PAYLOAD.has(op) && d.second === undefined) throw new MalformedTermError('message missing');
  if (d.end !== body.length)
    throw new MalformedTermError(`${body.length - d.end} trailing bytes in frame`);
  return { op, control: c.elements, payload: d.second };
}

/**
 * Appends one frame to `w`: length, 112, control tuple and optional message. Returns the frame's
 * size on the wire.
 */
export function writeFrame(w: Writer, control: Tuple, payload?: Term): number {
  const start = w.pos;
  w.ensure(5);
  w.pos += 4;
  w.buf[w.pos++] = PASS_THROUGH;
  encodeInto(w, control);
  if (payload !== undefined) encodeInto(w, payload);
  w.buf.writeUInt32BE(w.pos - start - 4, start);
  return w.pos - start;
}
