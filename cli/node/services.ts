/**
 * The cluster services every `observatory node` runs besides the mesh: discovery (chosen by
 * `--discovery`), the global registry and pub/sub. Registry and pub/sub must run on every node of
 * a cluster, and they register the handlers `observatory remsh` calls (`registered`, `whereis`,
 * `publish`), so a CLI node always starts them.
 */
import type { ClusterNode, Logger } from '../../cluster/api.ts';
import {
  startDiscovery,
  type Discovery,
  type DiscoveryConfig,
  type DiscoveryEvent,
} from '../../cluster/discovery/index.ts';
import { startPubSub, type PubSub } from '../../cluster/pubsub/index.ts';
import { startRegistry, type GlobalRegistry } from '../../cluster/registry/index.ts';

export interface NodeServices {
  readonly discovery: Discovery;
  readonly registry: GlobalRegistry;
  readonly pubsub: PubSub;
  /** stops discovery first (no new links while closing), then pub/sub and the registry */
  stop(): Promise<void>;
}

export interface NodeServicesOptions {
  readonly discovery: DiscoveryConfig;
  readonly cookie: string;
  readonly logger: Logger;
  readonly onDiscoveryEvent?: (event: DiscoveryEvent) => void;
}

/** Starts registry and pub/sub, then discovery (so that handlers exist before peers arrive). */
export async function startNodeServices(
  node: ClusterNode,
  options: NodeServicesOptions,
): Promise<NodeServices> {
  const registry = startRegistry(node);
  const pubsub = startPubSub(node);
  let discovery: Discovery;
  try {
    discovery = await startDiscovery(node, options.discovery, {
      cookie: options.cookie,
      logger: options.logger,
      ...(options.onDiscoveryEvent === undefined ? {} : { onEvent: options.onDiscoveryEvent }),
    });
  } catch (error) {
    pubsub.detach();
    registry.detach();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    discovery,
    registry,
    pubsub,
    stop() {
      stopping ??= (async () => {
        await discovery.stop();
        pubsub.detach();
        registry.detach();
      })();
      return stopping;
    },
  };
}
