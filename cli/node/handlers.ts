/**
 * The RPC handlers that make a node inspectable by `observatory remsh`: read-only facts about the
 * node, plus `echo`. Any program that embeds a node may register them too. They only read state;
 * nothing here evaluates what a caller sends.
 */
import type { ClusterNode, JsonObject, Payload } from '../../cluster/api.ts';

/** Handler names, shared with the remsh command table. */
export const SHELL_HANDLERS = {
  name: 'node.name',
  nodes: 'node.nodes',
  info: 'node.info',
  ping: 'node.ping',
  echo: 'echo',
} as const;

export interface NodeListEntry extends JsonObject {
  readonly name: string;
  readonly address: string | null;
  readonly hidden: boolean;
}

/** What `node.nodes` returns: this node and every peer, visible and hidden. */
export interface NodeList extends JsonObject {
  readonly self: NodeListEntry;
  readonly visible: readonly NodeListEntry[];
  readonly hidden: readonly NodeListEntry[];
}

type InspectableNode = Pick<
  ClusterNode,
  | 'name'
  | 'hidden'
  | 'address'
  | 'nodes'
  | 'addressOf'
  | 'registeredNames'
  | 'stats'
  | 'handle'
  | 'ping'
>;

/** Builds the `node.nodes` answer from the node's own view. */
export function listNodes(node: InspectableNode): NodeList {
  const visible = new Set(node.nodes());
  const entry = (name: string, hidden: boolean): NodeListEntry => ({
    name,
    address: node.addressOf(name) ?? null,
    hidden,
  });
  return {
    self: {
      name: node.name,
      address: `${node.address.host}:${node.address.port}`,
      hidden: node.hidden,
    },
    visible: [...visible].sort().map((n) => entry(n, false)),
    hidden: node
      .nodes({ hidden: true })
      .filter((n) => !visible.has(n))
      .sort()
      .map((n) => entry(n, true)),
  };
}

/** Builds the `node.info` answer. */
export function nodeInfo(node: InspectableNode, startedAt: number): JsonObject {
  const memory = process.memoryUsage();
  return {
    name: node.name,
    hidden: node.hidden,
    address: `${node.address.host}:${node.address.port}`,
    pid: process.pid,
    node_version: process.version,
    uptime_s: Math.round((performance.now() - startedAt) / 100) / 10,
    rss_bytes: memory.rss,
    heap_used_bytes: memory.heapUsed,
    visible_nodes: node.nodes().length,
    all_nodes: node.nodes({ hidden: true }).length,
    registered: node.registeredNames(),
    stats: node.stats(),
  };
}

/** Registers the shell handlers on `node`. */
export function registerShellHandlers(node: InspectableNode, startedAt = performance.now()): void {
  node.handle(SHELL_HANDLERS.name, () => node.name);
  node.handle(SHELL_HANDLERS.echo, (args: Payload) => args);
  node.handle(SHELL_HANDLERS.nodes, () => listNodes(node));
  node.handle(SHELL_HANDLERS.info, () => nodeInfo(node, startedAt));
  // Lets a shell ask this node whether *it* reaches a peer, as net_adm:ping on the node would.
  node.handle(SHELL_HANDLERS.ping, (args, ctx) => {
    if (typeof args !== 'string') throw new Error('node.ping takes a node name (a JSON string)');
    return node.ping(args, { signal: ctx.signal });
  });
}
