/**
 * How the lab sizes itself to its node count. A 5-node lab and a 100-node lab on the same two
 * cores cannot share settings: ticks grow with the square of the node count, every process
 * start costs ~0.15 s of CPU, and a lease round costs one RPC per shard member. Pure functions,
 * so the choices are tested and documented in one place.
 */

/** Ticktime of a small lab: a partition is noticed within seconds, not a production minute. */
export const LAB_TICKTIME_MS = 4_000;
/** Ticktime added per node beyond `LAB_TICKTIME_MS / LAB_TICKTIME_MS_PER_NODE` nodes. */
export const LAB_TICKTIME_MS_PER_NODE = 100;
/** Up to this many nodes, every node is seeded with every other (the discovery panel lists all). */
export const LAB_ALL_SEEDS_MAX_NODES = 8;
/** Node processes started at once; more only queue for the same two cores. */
export const LAB_START_CONCURRENCY = 8;
/** Writes per second the whole lab's demo workload offers, spread over its shard members. */
export const LAB_WORKLOAD_TOTAL_RATE = 100;
/** Shard members of the demo at most: each member's lease round is an RPC to every other. */
export const LAB_SHARD_MEMBERS_MAX = 16;
/**
 * Scheduling niceness of a large lab's node processes (0 = the server's). A hundred runnable
 * node processes on two cores left the observatory server a twentieth of a core: it answered no
 * HTTP request for minutes while its own work needed a fraction of one (docs/performance.md,
 * "The lab and the dashboard at 100 nodes"). At nice 10 a node weighs about a ninth of the
 * server in the kernel's fair scheduler: the process that shows the lab is served first, and the
 * nodes still get every cycle the server leaves.
 */
export const LAB_NODE_NICE = 10;
/** Up to this many nodes the lab runs at the server's priority (there is CPU for all). */
export const LAB_NICE_FROM_NODES = 17;

/** The niceness of the node processes of a lab of `nodes` nodes. */
export function labNodeNice(nodes: number): number {
  return nodes >= LAB_NICE_FROM_NODES ? LAB_NODE_NICE : 0;
}

/** Above this many nodes, membership lines are summed up as progress instead of printed. */
export const LAB_VERBOSE_MAX_NODES = 10;

/**
 * The lab's ticktime for `nodes` nodes: 4 s up to 40 nodes, then 100 ms more per node (10 s at
 * 100). An idle mesh sends N(N−1)·4/ticktime ticks a second (9,900/s at 100 nodes and 4 s, most
 * of a core here); growing the ticktime with N keeps that linear in N (3,960/s at 100). It also
 * keeps start-up safe: while 100 processes boot and handshake on two cores an event loop can
 * stall for seconds, and a link that hears nothing for a ticktime is declared down (Erlang at
 * 100 nodes with net_ticktime 4 s never forms its mesh on this machine). The price: a partition
 * is noticed after up to 10 s instead of 4.
 */
export function labTicktimeMs(nodes: number): number {
  return Math.max(LAB_TICKTIME_MS, nodes * LAB_TICKTIME_MS_PER_NODE);
}

/**
 * Indexes (into the lab's node list) of the seeds of node `index`: every other node in a small
 * lab; in a larger one the nodes before it, which the bounded start has already started. Every
 * pair is still some node's seed, so static discovery redials any link of the mesh that is lost
 * (the mesh's transitive connect tries once), but no node dials a port whose node has not started
 * yet, and no pair dials itself from both ends at once (each such race costs a second handshake
 * that loses the arbitration).
 */
export function labSeedIndexes(index: number, nodes: number): number[] {
  if (nodes <= LAB_ALL_SEEDS_MAX_NODES) {
    return Array.from({ length: nodes }, (_, i) => i).filter((i) => i !== index);
  }
  return Array.from({ length: Math.min(index, nodes) }, (_, i) => i);
}

/** How many of `nodes` run the demo's shards service (the first ones). */
export function labShardMembers(nodes: number): number {
  return Math.min(nodes, LAB_SHARD_MEMBERS_MAX);
}

/** Writes per second each shard member's local workload offers (at least 1). */
export function labWorkloadRate(members: number): number {
  return Math.max(1, Math.round(LAB_WORKLOAD_TOTAL_RATE / Math.max(1, members)));
}
