/** What the topology panel draws: nodes placed on a circle, links with a look and a width. */
import type { ClusterModel, ModelNode, TrafficRow } from '../../protocol/model.ts';
import { layoutCircle, orderBySides, type Point } from './circle-layout.ts';
import { linkLook, type LinkLook } from './colors.ts';
import { bytesPerLink, linkKey, linkWidth } from './traffic.ts';

export interface DrawnNode {
  readonly name: string;
  readonly status: ModelNode['status'];
  readonly hidden: boolean;
  readonly at: Point;
  /** partition side index, null when not on a side (down, hidden) */
  readonly side: number | null;
  /** in "as seen by" mode: false when the viewer does not list this node */
  readonly seen: boolean;
}

export interface DrawnLink {
  readonly key: string;
  readonly a: string;
  readonly b: string;
  readonly look: LinkLook;
  readonly width: number;
  readonly dashed: boolean;
  readonly bytesPerSec: number;
}

export interface Topology {
  readonly nodes: readonly DrawnNode[];
  readonly links: readonly DrawnLink[];
  /** node names per side, for islands; empty when not partitioned */
  readonly sides: readonly (readonly string[])[];
}

export interface TopologyOptions {
  readonly size: number;
  /** draw the cluster as this node sees it; null for the observatory's combined view */
  readonly viewer: string | null;
  /** `bytesPerLink(rows)` when the caller already has it (rows change less often than the model) */
  readonly linkBytes?: ReadonlyMap<string, number>;
}

/** Builds the drawing of the cluster for the whole-cluster view or one node's own view. */
export function buildTopology(
  model: ClusterModel,
  rows: readonly TrafficRow[],
  options: TopologyOptions,
): Topology {
  const names = model.nodes.map((n) => n.name);
  const order = orderBySides(names, model.sides);
  const half = options.size / 2;
  const pos = layoutCircle(order, { cx: half, cy: half, r: half * 0.72 });
  const sideOf = new Map<string, number>();
  if (model.partitioned) model.sides.forEach((side, i) => side.forEach((n) => sideOf.set(n, i)));
  const viewer =
    options.viewer === null ? undefined : model.nodes.find((n) => n.name === options.viewer);
  const seen = viewer === undefined ? null : seenBy(viewer);

  const nodes = model.nodes.map((n) => ({
    name: n.name,
    status: n.status,
    hidden: n.hidden,
    at: pos.get(n.name) ?? { x: half, y: half },
    side: sideOf.get(n.name) ?? null,
    seen: seen === null || n.name === viewer?.name || seen.has(n.name),
  }));

  const traffic = options.linkBytes ?? bytesPerLink(rows);
  const max = Math.max(0, ...traffic.values());
  const hiddenNode = new Set(model.nodes.filter((n) => n.hidden).map((n) => n.name));
  let links: DrawnLink[];
  if (viewer === undefined || seen === null) {
    links = model.links.map((l) => {
      const key = linkKey(l.a, l.b);
      const bytes = traffic.get(key) ?? 0;
      return {
        key,
        a: l.a,
        b: l.b,
        look: linkLook(l.state, l.blackholed),
        width: linkWidth(bytes, max),
        dashed: l.hidden,
        bytesPerSec: bytes,
      };
    });
  } else {
    // A node knows only its own links: a spoke to every other node, up when its view lists it.
    links = model.nodes
      .filter((n) => n.name !== viewer.name)
      .map((n) => {
        const key = linkKey(viewer.name, n.name);
        const bytes = traffic.get(key) ?? 0;
        const a = viewer.name < n.name ? viewer.name : n.name;
        return {
          key,
          a,
          b: a === viewer.name ? n.name : viewer.name,
          look: seen.has(n.name) ? ('up' as const) : ('down' as const),
          width: linkWidth(bytes, max),
          dashed: hiddenNode.has(n.name) || viewer.hidden,
          bytesPerSec: bytes,
        };
      });
  }
  return { nodes, links, sides: model.partitioned ? model.sides : [] };
}

/** The names a node lists as connected (visible and hidden), null when it never reported. */
export function seenBy(node: ModelNode): Set<string> | null {
  return node.view === null ? null : new Set([...node.view.nodes, ...node.view.hidden]);
}

/** True when two nodes' views disagree about anyone but themselves: an asymmetric or split view. */
export function viewsDiffer(a: ModelNode, b: ModelNode): boolean {
  const va = seenBy(a);
  const vb = seenBy(b);
  if (va === null || vb === null) return false;
  const all = new Set([...va, ...vb, a.name, b.name]);
  for (const n of all) {
    const inA = n === a.name || va.has(n);
    const inB = n === b.name || vb.has(n);
    if (inA !== inB) return true;
  }
  return false;
}
