/** The discovery debugger's view of one node's discovery section (pure; see discovery-panel.tsx). */
import type { ModelNode } from '../../protocol/model.ts';
import type { DiscoveryAttempt } from '../../protocol/telemetry.ts';

/** What the debugger reads of a node (plain values, so the dashboard can key them by content). */
export type DiscoveryNode = Pick<ModelNode, 'name' | 'address' | 'status' | 'view' | 'discovery'>;

export interface DiscoveryTargetRow {
  /** `host:port`, as the strategy found it */
  readonly target: string;
  /** the node listening there, when one of the model's nodes has that address */
  readonly node: string | null;
  /** whether the inspected node lists that node in its own view */
  readonly linked: boolean;
  /** the latest attempt on this target, if any is still in the summary */
  readonly last: DiscoveryAttempt | null;
}

/** Nodes that report a discovery section, in model order. */
export function nodesWithDiscovery(nodes: readonly DiscoveryNode[]): readonly DiscoveryNode[] {
  return nodes.filter((n) => n.discovery !== null);
}

/**
 * One row per target the strategy found, plus targets it tried that are no longer found (a seed
 * that went away still shows its last failure).
 */
export function discoveryTargets(
  node: DiscoveryNode,
  nodes: readonly DiscoveryNode[],
): readonly DiscoveryTargetRow[] {
  const d = node.discovery;
  if (d === undefined || d === null) return [];
  const byAddress = new Map(nodes.flatMap((n) => (n.address === null ? [] : [[n.address, n]])));
  const lastByTarget = new Map<string, DiscoveryAttempt>();
  for (const a of d.attempts) lastByTarget.set(a.target, a); // oldest first: the last one wins
  const view = new Set([...(node.view?.nodes ?? []), ...(node.view?.hidden ?? [])]);
  const targets = [...new Set([...d.targets, ...lastByTarget.keys()])].sort();
  return targets.map((target) => {
    const peer = byAddress.get(target) ?? null;
    return {
      target,
      node: peer?.name ?? null,
      linked: peer !== null && view.has(peer.name),
      last: lastByTarget.get(target) ?? null,
    };
  });
}

/** A short account of an attempt: `ok in 3 ms`, `connecting…`, `failed: … (retry in 2 s)`. */
export function attemptText(a: DiscoveryAttempt): string {
  if (a.ok === null) return 'connecting…';
  const took = a.durationMs === undefined ? '' : ` in ${Math.round(a.durationMs)} ms`;
  if (a.ok) return `ok${took}`;
  const retry = a.retryInMs === undefined ? '' : ` (retry in ${Math.ceil(a.retryInMs / 1000)} s)`;
  return `failed${took}: ${a.error ?? 'no reason given'}${retry}`;
}
