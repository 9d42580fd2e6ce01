import type {
  CallOptions,
  MembershipEvent,
  NodeName,
  Payload,
  RpcContext,
  RpcHandler,
} from '../../api.ts';
import type { ShardNode } from '../port.ts';
import type { FakeClock } from '../../fake-clock.ts';
import { settle } from '../../fake-clock.ts';

/** An error shaped like the runtime's: a stable code. */
class FakeRpcError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An in-memory mesh of ShardNodes on a FakeClock, for unit tests. `partition` drops calls
 * across groups at once (a call then fails after its timeout, as with a blackhole);
 * `detect()` makes each side see the other down (what a ticktime later does for real).
 */
export class FakeNet {
  readonly nodes = new Map<NodeName, FakeNode>();
  private readonly cut = new Set<string>();

  constructor(readonly clock: FakeClock) {}

  add(name: NodeName): FakeNode {
    const node = new FakeNode(name, this);
    for (const other of this.nodes.values()) {
      other.see(name);
      node.see(other.name);
    }
    this.nodes.set(name, node);
    return node;
  }

  /** the node is gone (killed): everyone sees it down at once */
  remove(name: NodeName): void {
    const node = this.nodes.get(name);
    this.nodes.delete(name);
    if (node) node.dead = true;
    for (const other of this.nodes.values()) other.unsee(name);
  }

  reachable(a: NodeName, b: NodeName): boolean {
    return a === b || (this.nodes.has(b) && !this.cut.has(`${a}|${b}`));
  }

  partition(...groups: NodeName[][]): void {
    for (const g of groups) {
      for (const h of groups) {
        if (g === h) continue;
        for (const a of g) for (const b of h) this.cut.add(`${a}|${b}`);
      }
    }
  }

  /** each node drops from its view the peers it can no longer reach */
  detect(): void {
    for (const n of this.nodes.values()) {
      for (const peer of n.nodes()) if (!this.reachable(n.name, peer)) n.unsee(peer);
    }
  }

  heal(): void {
    this.cut.clear();
    for (const a of this.nodes.values())
      for (const b of this.nodes.values()) if (a !== b) a.see(b.name);
  }
}

export class FakeNode implements ShardNode {
  readonly hidden = false;
  dead = false;
  private readonly view = new Set<NodeName>();
  private readonly handlers = new Map<string, RpcHandler>();
  private readonly listeners = new Set<(e: MembershipEvent) => void>();

  constructor(
    readonly name: NodeName,
    private readonly net: FakeNet,
  ) {}

  see(peer: NodeName): void {
    if (this.view.has(peer)) return;
    this.view.add(peer);
    this.emit({ event: 'nodeup', node: peer, hidden: false, at: this.net.clock.now() });
  }

  unsee(peer: NodeName): void {
    if (!this.view.delete(peer)) return;
    this.emit({
      event: 'nodedown',
      node: peer,
      hidden: false,
      reason: 'timeout',
      at: this.net.clock.now(),
    });
  }

  private emit(e: MembershipEvent): void {
    for (const l of [...this.listeners]) l(e);
  }

  nodes(): NodeName[] {
    return [...this.view].sort();
  }

  monitorNodes(listener: (e: MembershipEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  handle(name: string, handler: RpcHandler): void {
    this.handlers.set(name, handler);
  }

  async call(
    node: NodeName,
    handler: string,
    args: Payload,
    options: CallOptions = {},
  ): Promise<Payload> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    const target = this.net.nodes.get(node);
    if (this.dead) throw new FakeRpcError('noconnection', 'caller is dead');
    if (!target || !this.view.has(node))
      throw new FakeRpcError('noconnection', `no link to ${node}`);
    if (!this.net.reachable(this.name, node)) return this.timeout(timeoutMs);
    const h = target.handlers.get(handler);
    if (!h) throw new FakeRpcError('no_such_handler', handler);
    await settle(1);
    const ctx: RpcContext = { from: this.name, signal: new AbortController().signal };
    const out = await h(args, ctx);
    // the answer is lost if the partition started while the handler ran
    if (!this.net.reachable(node, this.name)) return this.timeout(timeoutMs);
    return out;
  }

  private timeout(ms: number): Promise<never> {
    return new Promise((_, reject) => {
      this.net.clock.setTimeout(
        () => reject(new FakeRpcError('timeout', `timed out after ${ms} ms`)),
        ms,
      );
    });
  }
}
