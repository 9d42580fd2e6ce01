import type {
  ClusterNode,
  FrameEvent,
  FrameListener,
  MembershipEvent,
  NodeOptions,
} from '../api.ts';
import { startNode } from '../index.ts';

/** Test helpers shared by this folder's integration tests (not part of the public API). */

export const COOKIE = 'test-cookie';

export async function startNodes(
  n: number,
  extra: Partial<NodeOptions> = {},
  prefix = 'n',
): Promise<ClusterNode[]> {
  const out: ClusterNode[] = [];
  for (let i = 0; i < n; i++)
    out.push(await startNode({ name: `${prefix}${i}`, cookie: COOKIE, ...extra }));
  return out;
}

/**
 * Closes the nodes a test started and empties the file's list, for `afterEach`:
 * `afterEach(() => closeAll(nodes))`.
 */
export async function closeAll(nodes: ClusterNode[]): Promise<void> {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
}

/** A frame listener that keeps the frames `keep` accepts (all by default) as records in `into`. */
export function collect(
  into: FrameEvent[],
  keep: (e: FrameEvent) => boolean = () => true,
): FrameListener {
  return (peer, channel, direction, bytes) => {
    const e = { peer, channel, direction, bytes };
    if (keep(e)) into.push(e);
  };
}

export function targetOf(node: ClusterNode): string {
  return `${node.name}:${node.address.port}`;
}

/** Resolves with the first membership event matching `pred`, or rejects after `ms`. */
export function nextEvent(
  node: ClusterNode,
  pred: (e: MembershipEvent) => boolean,
  ms = 5_000,
): Promise<MembershipEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching membership event on ${node.name} within ${ms} ms`));
    }, ms);
    const off = node.monitorNodes((e) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

/** Polls `cond` every 5 ms until true, or rejects after `ms`. */
export async function until(cond: () => boolean, ms = 5_000, what = 'condition'): Promise<void> {
  const deadline = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
