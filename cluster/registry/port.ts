import type { ClusterNode } from '../api.ts';

/**
 * The slice of ClusterNode that the registry and pub/sub depend on (`connectAll` left out means
 * a full-mesh node).
 */
export type ServicePort = Pick<
  ClusterNode,
  'name' | 'nodes' | 'monitorNodes' | 'register' | 'unregister' | 'send' | 'handle' | 'multicall'
> &
  Partial<Pick<ClusterNode, 'connectAll'>>;
