import type { ClusterNode } from '../api.ts';

/**
 * The part of a ClusterNode the sharding layer uses. Depending on this narrow port (not on the
 * runtime's implementation) lets unit tests run on an in-memory fake with fake time.
 */
export type ShardNode = Pick<
  ClusterNode,
  'name' | 'hidden' | 'nodes' | 'monitorNodes' | 'handle' | 'call'
> &
  Partial<Pick<ClusterNode, 'connectAll'>>;
