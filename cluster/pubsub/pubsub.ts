import type { Channel, Logger, NodeName, Payload } from '../api.ts';
import { silentLogger } from '../clock.ts';
import type { ServicePort } from '../registry/port.ts';
import { decodeMessage, encodeMessage } from './codec.ts';

/** The registered name through which pub/sub nodes exchange interest. */
export const PUBSUB_ENDPOINT = '$pubsub';
/**
 * Messages of a topic go to the registered name `$ps:<topic>` on each interested node, as they
 * are: no envelope to encode or decode, the runtime keeps bytes, strings and JSON apart. Topics
 * too long for a name (255 bytes) go to this endpoint instead, encoded by codec.ts.
 */
export const PUBSUB_MESSAGE_ENDPOINT = '$pubsub.msg';
const TOPIC_ENDPOINT_PREFIX = '$ps:';
const MAX_NAME_BYTES = 255;

/** The registered name of a topic on subscribing nodes, or undefined when the topic is too long. */
export function topicEndpoint(topic: string): string | undefined {
  const name = TOPIC_ENDPOINT_PREFIX + topic;
  return Buffer.byteLength(name) <= MAX_NAME_BYTES ? name : undefined;
}

interface Route {
  readonly endpoint: string | undefined;
  readonly options: { readonly channel: Channel };
}
/** Instrumentation label of interest updates (topic traffic is labelled `pubsub:<topic>`). */
export const PUBSUB_INTEREST_CHANNEL: Channel = 'pubsub-interest:update';

export type TopicHandler = (message: Payload, meta: { topic: string; from: NodeName }) => void;

export interface PubSubOptions {
  readonly logger?: Logger;
}

/**
 * Interest messages: `i` replaces a node's interest set (sent on nodeup), `s`/`u` change it.
 * A broadcast is one frame per interested node, whatever the number of subscribers there.
 */
type Wire = readonly ['i', readonly string[]] | readonly ['s', string] | readonly ['u', string];

/**
 * Distributed pub/sub in the manner of Phoenix.PubSub. Each node tells its peers which topics
 * it has local subscribers for, so a broadcast crosses each link at most once and only toward
 * nodes that care; messages from one publisher reach each subscriber in the order published.
 * Only visible nodes take part (hidden ones, like a remsh, neither send nor receive).
 */
export class PubSub {
  readonly #node: ServicePort;
  readonly #logger: Logger;
  readonly #local = new Map<string, Set<TopicHandler>>();
  /** topic → peers with at least one subscriber */
  readonly #remote = new Map<string, Set<NodeName>>();
  readonly #routes = new Map<string, Route>();
  readonly #counters = { published: 0, sent: 0, delivered: 0, handler_errors: 0, malformed: 0 };
  #offMembership: () => void = () => undefined;

  constructor(node: ServicePort, options: PubSubOptions = {}) {
    this.#node = node;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Listen on the node; called once by `startPubSub`. */
  attach(): void {
    this.#node.register(PUBSUB_ENDPOINT, (message, from) => this.#onControl(message, from));
    this.#node.register(PUBSUB_MESSAGE_ENDPOINT, (data, from) => {
      const decoded = decodeMessage(data);
      if (decoded) this.#deliver(decoded.topic, decoded.message, from);
      else this.#malformed(from);
    });
    // Hidden nodes (a remsh, a monitoring tool) take no part, as with the registry.
    this.#offMembership = this.#node.monitorNodes((e) => {
      if (e.hidden) return;
      if (e.event === 'nodeup')
        this.#post(e.node, ['i', [...this.#local.keys()]], PUBSUB_INTEREST_CHANNEL);
      else this.#forget(e.node);
    });
    for (const peer of this.#node.nodes()) {
      this.#post(peer, ['i', [...this.#local.keys()]], PUBSUB_INTEREST_CHANNEL);
    }
  }

  detach(): void {
    this.#offMembership();
    this.#node.unregister(PUBSUB_ENDPOINT);
    this.#node.unregister(PUBSUB_MESSAGE_ENDPOINT);
    for (const topic of this.#local.keys()) {
      const endpoint = topicEndpoint(topic);
      if (endpoint) this.#node.unregister(endpoint);
    }
  }

  /** Subscribe `handler` to `topic`; returns a function that unsubscribes it. */
  subscribe(topic: string, handler: TopicHandler): () => void {
    let handlers = this.#local.get(topic);
    if (!handlers) {
      handlers = new Set();
      this.#local.set(topic, handlers);
      // Listen before telling anyone, so that nothing sent after the news can miss the name.
      const endpoint = topicEndpoint(topic);
      if (endpoint)
        this.#node.register(endpoint, (message, from) => this.#deliver(topic, message, from));
      this.#tellAll(['s', topic]);
    }
    handlers.add(handler);
    return () => this.unsubscribe(topic, handler);
  }

  /** Remove one handler, or every handler of this node for `topic` when none is given. */
  unsubscribe(topic: string, handler?: TopicHandler): void {
    const handlers = this.#local.get(topic);
    if (!handlers) return;
    if (handler) handlers.delete(handler);
    else handlers.clear();
    if (handlers.size === 0) {
      this.#local.delete(topic);
      const endpoint = topicEndpoint(topic);
      if (endpoint) this.#node.unregister(endpoint);
      this.#tellAll(['u', topic]);
    }
  }

  /** Deliver to every subscriber of `topic` in the cluster; returns the number of nodes sent to. */
  broadcast(topic: string, message: Payload): number {
    this.#counters.published++;
    let nodes = 0;
    const peers = this.#remote.get(topic);
    if (peers && peers.size > 0) {
      const { endpoint, options } = this.#route(topic);
      const name = endpoint ?? PUBSUB_MESSAGE_ENDPOINT;
      const data = endpoint ? message : encodeMessage(topic, message);
      for (const peer of peers) {
        this.#node.send({ name, node: peer }, data, options);
        nodes++;
      }
      this.#counters.sent += nodes;
    }
    this.#deliver(topic, message, this.#node.name);
    return nodes;
  }

  #route(topic: string): Route {
    let route = this.#routes.get(topic);
    if (!route) {
      route = { endpoint: topicEndpoint(topic), options: { channel: `pubsub:${topic}` } };
      // Bounded: topics come and go, and this is only a cache.
      if (this.#routes.size >= 1_024) this.#routes.clear();
      this.#routes.set(topic, route);
    }
    return route;
  }

  /** Deliver to this node's subscribers only. */
  localBroadcast(topic: string, message: Payload): void {
    this.#counters.published++;
    this.#deliver(topic, message, this.#node.name);
  }

  /** Deliver to the subscribers on one node; false when that node has none for `topic`. */
  directBroadcast(node: NodeName, topic: string, message: Payload): boolean {
    if (node === this.#node.name) {
      this.localBroadcast(topic, message);
      return this.#local.has(topic);
    }
    if (!this.#remote.get(topic)?.has(node)) return false;
    this.#counters.published++;
    this.#counters.sent++;
    const { endpoint, options } = this.#route(topic);
    if (endpoint) this.#node.send({ name: endpoint, node }, message, options);
    else
      this.#node.send(
        { name: PUBSUB_MESSAGE_ENDPOINT, node },
        encodeMessage(topic, message),
        options,
      );
    return true;
  }

  /** Topics with local subscribers. */
  topics(): string[] {
    return [...this.#local.keys()].sort();
  }

  /** Peers currently interested in `topic`. */
  subscribersOf(topic: string): NodeName[] {
    return [...(this.#remote.get(topic) ?? [])].sort();
  }

  stats(): Record<string, number> {
    return { ...this.#counters, topics: this.#local.size };
  }

  #deliver(topic: string, message: Payload, from: NodeName): void {
    const handlers = this.#local.get(topic);
    if (!handlers) return;
    for (const handler of handlers) {
      this.#counters.delivered++;
      try {
        handler(message, { topic, from });
      } catch (err) {
        this.#counters.handler_errors++;
        this.#logger.warn('pubsub: subscriber threw', { topic, error: String(err) });
      }
    }
  }

  #tellAll(message: Wire): void {
    for (const peer of this.#node.nodes()) this.#post(peer, message, PUBSUB_INTEREST_CHANNEL);
  }

  #post(peer: NodeName, message: Wire, channel: Channel): void {
    this.#node.send({ name: PUBSUB_ENDPOINT, node: peer }, message, {
      channel,
    });
  }

  #forget(peer: NodeName): void {
    for (const [topic, peers] of this.#remote) {
      peers.delete(peer);
      if (peers.size === 0) this.#remote.delete(topic);
    }
  }

  #interested(topic: string, peer: NodeName): void {
    let peers = this.#remote.get(topic);
    if (!peers) {
      peers = new Set();
      this.#remote.set(topic, peers);
    }
    peers.add(peer);
  }

  #onControl(message: Payload, from: NodeName): void {
    if (!Array.isArray(message) || typeof message[0] !== 'string') return this.#malformed(from);
    const m = message as unknown as Wire;
    switch (m[0]) {
      case 'i':
        if (!Array.isArray(m[1])) return this.#malformed(from);
        this.#forget(from);
        for (const topic of m[1]) if (typeof topic === 'string') this.#interested(topic, from);
        return;
      case 's':
        if (typeof m[1] === 'string') this.#interested(m[1], from);
        return;
      case 'u': {
        const peers = typeof m[1] === 'string' ? this.#remote.get(m[1]) : undefined;
        peers?.delete(from);
        if (peers?.size === 0) this.#remote.delete(m[1]);
        return;
      }
      default:
        return this.#malformed(from);
    }
  }

  #malformed(from: NodeName): void {
    this.#counters.malformed++;
    this.#logger.warn('pubsub: malformed message ignored', { from });
  }
}
