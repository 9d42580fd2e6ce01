import type { ServicePort } from '../port.ts';
import type {
  CallOptions,
  Destination,
  MembershipEvent,
  MessageHandler,
  MulticallResult,
  NodeName,
  Payload,
  RpcHandler,
  SendOptions,
} from '../../api.ts';

export type { ServicePort };

export interface SentFrame {
  from: NodeName;
  to: NodeName;
  channel: string;
  message: Payload;
}

/**
 * An in-memory network of fake nodes for unit tests: delivery is asynchronous and FIFO per link
 * (as over one socket), links can be cut (both sides see nodedown at once, in-flight messages
 * are lost) and healed (nodeup on both sides).
 */
export class FakeNet {
  readonly nodes = new Map<NodeName, FakeNode>();
  readonly sent: SentFrame[] = [];
  readonly #cut = new Set<string>();

  add(name: NodeName): FakeNode {
    const node = new FakeNode(this, name);
    this.nodes.set(name, node);
    return node;
  }

  #key(a: NodeName, b: NodeName): string {
    return a < b ? `${a}|${b}` : `${b}|${a}`;
  }

  /** Connect every pair that is not connected yet (nodeup on both sides). */
  meshAll(): void {
    const names = [...this.nodes.keys()];
    for (const a of names) for (const b of names) if (a < b) this.link(a, b);
  }

  link(a: NodeName, b: NodeName): void {
    const na = this.nodes.get(a);
    const nb = this.nodes.get(b);
    if (!na || !nb || na.peers.has(b)) return;
    this.#cut.delete(this.#key(a, b));
    na.peers.add(b);
    nb.peers.add(a);
    na.emit({ event: 'nodeup', node: b, hidden: false, at: 0 });
    nb.emit({ event: 'nodeup', node: a, hidden: false, at: 0 });
  }

  cut(a: NodeName, b: NodeName): void {
    const na = this.nodes.get(a);
    const nb = this.nodes.get(b);
    this.#cut.add(this.#key(a, b));
    if (na?.peers.delete(b))
      na.emit({ event: 'nodedown', node: b, hidden: false, reason: 'timeout', at: 0 });
    if (nb?.peers.delete(a))
      nb.emit({ event: 'nodedown', node: a, hidden: false, reason: 'timeout', at: 0 });
  }

  /** Split into two groups: every link across is cut. */
  partition(left: readonly NodeName[], right: readonly NodeName[]): void {
    for (const a of left) for (const b of right) this.cut(a, b);
  }

  /** Stop a node: every peer sees nodedown. */
  kill(name: NodeName): void {
    for (const peer of [...(this.nodes.get(name)?.peers ?? [])]) this.cut(name, peer);
    this.nodes.delete(name);
  }

  connected(a: NodeName, b: NodeName): boolean {
    return this.nodes.get(a)?.peers.has(b) ?? false;
  }

  deliver(from: NodeName, to: NodeName, fn: () => void, onLost?: () => void): void {
    // Messages queued before a cut are lost, as on a blackholed link.
    queueMicrotask(() => {
      if (this.connected(from, to)) fn();
      else onLost?.();
    });
  }
}

export class FakeNode implements ServicePort {
  readonly peers = new Set<NodeName>();
  readonly #listeners = new Set<(e: MembershipEvent) => void>();
  readonly #names = new Map<string, MessageHandler>();
  readonly #handlers = new Map<string, RpcHandler>();

  constructor(
    private readonly net: FakeNet,
    readonly name: NodeName,
  ) {}

  emit(event: MembershipEvent): void {
    for (const l of [...this.#listeners]) l(event);
  }

  nodes(): NodeName[] {
    return [...this.peers].sort();
  }

  monitorNodes(listener: (event: MembershipEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  register(name: string, handler: MessageHandler): void {
    this.#names.set(name, handler);
  }

  unregister(name: string): void {
    this.#names.delete(name);
  }

  send(to: Destination, message: Payload, options?: SendOptions): void {
    const channel = options?.channel ?? 'send';
    if (to.node === this.name) {
      this.#names.get(to.name)?.(message, this.name);
      return;
    }
    if (!this.peers.has(to.node)) return;
    this.net.sent.push({ from: this.name, to: to.node, channel, message });
    this.net.deliver(this.name, to.node, () => {
      this.net.nodes.get(to.node)?.receive(to.name, message, this.name);
    });
  }

  receive(name: string, message: Payload, from: NodeName): void {
    this.#names.get(name)?.(message, from);
  }

  handle(name: string, handler: RpcHandler): void {
    this.#handlers.set(name, handler);
  }

  /** Run an RPC handler of this node as if `from` called it. */
  async invoke(from: NodeName, handler: string, args: Payload): Promise<Payload> {
    const h = this.#handlers.get(handler);
    if (!h)
      throw Object.assign(new Error(`no such handler ${handler}`), { code: 'no_such_handler' });
    return h(args, { from, signal: new AbortController().signal });
  }

  async multicall(
    nodes: readonly NodeName[],
    handler: string,
    args: Payload,
    _options?: CallOptions,
  ): Promise<MulticallResult> {
    const results: Record<NodeName, Payload> = {};
    const badNodes: NodeName[] = [];
    await Promise.all(
      nodes.map(
        (n) =>
          new Promise<void>((resolve) => {
            const target = this.net.nodes.get(n);
            if (!target || !this.peers.has(n)) {
              badNodes.push(n);
              return resolve();
            }
            this.net.sent.push({ from: this.name, to: n, channel: 'rpc', message: args });
            const fail = () => {
              badNodes.push(n);
              resolve();
            };
            this.net.deliver(
              this.name,
              n,
              () => {
                target.invoke(this.name, handler, args).then((r) => {
                  // the reply travels back over the same link
                  this.net.deliver(
                    n,
                    this.name,
                    () => {
                      results[n] = r;
                      resolve();
                    },
                    fail,
                  );
                }, fail);
              },
              fail,
            );
          }),
      ),
    );
    return { results, badNodes };
  }
}

/** Let all queued fake deliveries run (bounded). */
export async function settle(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}
