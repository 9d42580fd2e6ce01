import type { Payload } from '../api.ts';

// The topic of the last bytes message, encoded: publishers mostly repeat one topic.
let encodedTopic = '';
let encodedTopicBytes = Buffer.alloc(0);

/**
 * Encoding of one published message so that it is encoded once per broadcast, whatever the
 * number of peers, and keeps its type: the runtime sends bytes and strings as they are but
 * JSON-encodes anything else, which would turn bytes nested in an envelope into an object.
 *
 * - bytes   → bytes: u16 topic length, topic (UTF-8), the message bytes
 * - string  → `s<topic length>:<topic><message>`
 * - other   → `j<topic length>:<topic><JSON of the message>`
 */
export function encodeMessage(topic: string, message: Payload): Payload {
  if (message instanceof Uint8Array) {
    if (topic !== encodedTopic) {
      encodedTopic = topic;
      encodedTopicBytes = Buffer.from(topic, 'utf8');
    }
    const n = encodedTopicBytes.length;
    if (n > 0xffff) throw new RangeError('pubsub: topic longer than 65535 bytes');
    const out = Buffer.allocUnsafe(2 + n + message.length);
    out[0] = n >>> 8;
    out[1] = n & 0xff;
    out.set(encodedTopicBytes, 2);
    out.set(message, 2 + n);
    return out;
  }
  if (typeof message === 'string') return `s${topic.length}:${topic}${message}`;
  return `j${topic.length}:${topic}${JSON.stringify(message)}`;
}

export interface DecodedMessage {
  readonly topic: string;
  readonly message: Payload;
}

// Consecutive messages mostly share a topic: reuse its decoded string instead of allocating one.
let lastTopicBytes = new Uint8Array(0);
let lastTopic = '';
const utf8 = new TextDecoder();

function topicOf(data: Uint8Array, length: number): string {
  if (length === lastTopicBytes.length) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (data[2 + i] !== lastTopicBytes[i]) {
        same = false;
        break;
      }
    }
    if (same) return lastTopic;
  }
  lastTopicBytes = data.slice(2, 2 + length);
  lastTopic = utf8.decode(lastTopicBytes);
  return lastTopic;
}

/** Inverse of encodeMessage; undefined for anything malformed (never throws). */
export function decodeMessage(data: Payload): DecodedMessage | undefined {
  if (data instanceof Uint8Array) {
    if (data.length < 2) return undefined;
    const topicLength = (data[0]! << 8) | data[1]!;
    if (2 + topicLength > data.length) return undefined;
    const start = data.byteOffset + 2 + topicLength;
    // A plain Uint8Array view, as the runtime itself delivers bytes (not a Buffer).
    const message = new Uint8Array(data.buffer, start, data.length - 2 - topicLength);
    return { topic: topicOf(data, topicLength), message };
  }
  if (typeof data !== 'string') return undefined;
  const kind = data.charCodeAt(0);
  const colon = data.indexOf(':', 1);
  if (colon < 2 || colon > 8) return undefined;
  const topicLength = Number(data.slice(1, colon));
  if (!Number.isInteger(topicLength) || topicLength < 0) return undefined;
  const bodyStart = colon + 1 + topicLength;
  if (bodyStart > data.length) return undefined;
  const topic = data.slice(colon + 1, bodyStart);
  if (kind === 115 /* s */) return { topic, message: data.slice(bodyStart) };
  if (kind !== 106 /* j */) return undefined;
  try {
    return { topic, message: JSON.parse(data.slice(bodyStart)) as Payload };
  } catch {
    return undefined;
  }
}
