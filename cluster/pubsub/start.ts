import type { Payload } from '../api.ts';
import type { ServicePort } from '../registry/port.ts';
import { PubSub, type PubSubOptions } from './pubsub.ts';

/** RPC handler names the remsh calls (`publish <topic> <json>`). */
export const PUBSUB_REMSH_HANDLERS = {
  publish: 'pubsub.publish',
  topics: 'pubsub.topics',
} as const;

/**
 * Start pub/sub on a node (every node of the cluster must run it). Also adds the remsh
 * handlers: `pubsub.publish` (args `{ topic, message }` or `[topic, message]`) → `{ nodes }`, the
 * number of remote nodes the message was sent to; `pubsub.topics` → this node's local topics.
 */
export function startPubSub(node: ServicePort, options: PubSubOptions = {}): PubSub {
  const pubsub = new PubSub(node, options);
  pubsub.attach();
  node.handle(PUBSUB_REMSH_HANDLERS.publish, (args) => {
    const parsed = publishArgs(args);
    if (!parsed) throw new TypeError('pubsub.publish expects { topic: string, message }');
    return { nodes: pubsub.broadcast(parsed.topic, parsed.message) };
  });
  node.handle(PUBSUB_REMSH_HANDLERS.topics, () => pubsub.topics());
  return pubsub;
}

function publishArgs(args: Payload): { topic: string; message: Payload } | undefined {
  if (Array.isArray(args) && typeof args[0] === 'string') {
    return { topic: args[0], message: (args[1] as Payload | undefined) ?? null };
  }
  if (args !== null && typeof args === 'object' && !(args instanceof Uint8Array)) {
    const { topic, message } = args as { topic?: unknown; message?: Payload };
    if (typeof topic === 'string') return { topic, message: message ?? null };
  }
  return undefined;
}
