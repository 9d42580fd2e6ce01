import type { ClusterNode, Clock, Logger } from '../api.ts';
import { parseDiscoveryConfig, type DiscoveryConfigInput } from './config.ts';
import { normalizeTarget } from './connector.ts';
import { dnsStrategy } from './dns.ts';
import { gossipStrategy } from './gossip.ts';
import { staticStrategy } from './static.ts';
import { silentLogger, systemClock } from '../clock.ts';
import type { DiscoveryContext, DiscoveryEvent, DiscoveryStrategy } from './types.ts';

/** The part of a ClusterNode that discovery needs. */
export type DiscoveryNode = Pick<
  ClusterNode,
  'name' | 'address' | 'connect' | 'nodes' | 'addressOf'
> &
  Partial<Pick<ClusterNode, 'monitorNodes'>>;

export interface StartDiscoveryOptions {
  /** required by gossip (HMAC key derivation) */
  readonly cookie?: string;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** called with every discovery event */
  readonly onEvent?: (event: DiscoveryEvent) => void;
  /** how many recent events `recentEvents()` keeps; default 256 */
  readonly historySize?: number;
}

export interface Discovery {
  readonly strategy: DiscoveryStrategy;
  /** add a listener for discovery events; returns an unsubscribe function */
  onEvent(listener: (event: DiscoveryEvent) => void): () => void;
  /** the latest events, oldest first (for the discovery debugger) */
  recentEvents(): DiscoveryEvent[];
  stats(): Record<string, number>;
  stop(): Promise<void>;
}

export class DiscoveryCookieRequiredError extends Error {
  readonly code = 'bad_argument';
}

/** Build a built-in strategy from a (validated) config object. */
export function strategyFromConfig(
  input: DiscoveryConfigInput,
  options: StartDiscoveryOptions = {},
): DiscoveryStrategy {
  const config = parseDiscoveryConfig(input);
  const connector = {
    initialMs: config.backoffInitialMs,
    maxMs: config.backoffMaxMs,
    jitter: config.backoffJitter,
    recheckIntervalMs: config.recheckIntervalMs,
    connectTimeoutMs: config.connectTimeoutMs,
  };
  switch (config.strategy) {
    case 'static':
      return staticStrategy({ ...connector, seeds: config.seeds });
    case 'gossip':
      if (!options.cookie) {
        throw new DiscoveryCookieRequiredError('gossip discovery needs the cluster cookie');
      }
      return gossipStrategy({ ...connector, ...config, cookie: options.cookie });
    case 'dns':
      return dnsStrategy({ ...connector, ...config });
  }
}

/**
 * Start discovery for a node: `config` is a built-in strategy's config (validated with zod) or
 * any object implementing DiscoveryStrategy.
 */
export async function startDiscovery(
  node: DiscoveryNode,
  config: DiscoveryConfigInput | DiscoveryStrategy,
  options: StartDiscoveryOptions = {},
): Promise<Discovery> {
  const strategy = isStrategy(config) ? config : strategyFromConfig(config, options);
  const logger = options.logger ?? silentLogger;
  const historySize = options.historySize ?? 256;
  const listeners = new Set<(event: DiscoveryEvent) => void>();
  if (options.onEvent) listeners.add(options.onEvent);
  const history: DiscoveryEvent[] = [];
  /** target address → the peer last seen linked at it */
  const matched = new Map<string, string>();
  const ctx: DiscoveryContext = {
    self: { name: node.name, address: `${node.address.host}:${node.address.port}` },
    connect: (target, o) => node.connect(target, o),
    isConnected: (address) => {
      const wanted = normalizeTarget(address);
      // the connector asks about every target twice a second: check the peer that matched last
      // time before listing all of them (at 99 links the list was most of an idle node's work)
      const known = matched.get(wanted);
      if (known !== undefined && node.addressOf(known) === wanted) return true;
      for (const peer of node.nodes({ hidden: true })) {
        if (node.addressOf(peer) !== wanted) continue;
        matched.set(wanted, peer);
        return true;
      }
      return false;
    },
    ...(node.monitorNodes !== undefined && {
      onLinkDown: (listener: () => void) =>
        node.monitorNodes!((event) => {
          if (event.event === 'nodedown') listener();
        }),
    }),
    logger,
    clock: options.clock ?? systemClock,
    report(event) {
      history.push(event);
      if (history.length > historySize) history.shift();
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (err) {
          logger.warn('discovery event listener threw', { error: String(err) });
        }
      }
    },
  };
  await strategy.start(ctx);
  return {
    strategy,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    recentEvents: () => [...history],
    stats: () => strategy.stats?.() ?? {},
    async stop() {
      listeners.clear();
      await strategy.stop();
    },
  };
}

function isStrategy(value: unknown): value is DiscoveryStrategy {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as DiscoveryStrategy).start === 'function' &&
    typeof (value as DiscoveryStrategy).stop === 'function'
  );
}
