import { Connector, type ConnectorOptions } from './connector.ts';
import {
  DEFAULT_BACKOFF_INITIAL_MS,
  DEFAULT_BACKOFF_JITTER,
  DEFAULT_BACKOFF_MAX_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_RECHECK_INTERVAL_MS,
} from './constants.ts';
import type { DiscoveryContext, DiscoveryStrategy } from './types.ts';

export interface StaticStrategyOptions extends Partial<ConnectorOptions> {
  /** `host:port` (or `name@host:port`) of nodes to connect to */
  readonly seeds: readonly string[];
}

/** Fills connector defaults; shared by the strategies. */
export function connectorOptions(options: Partial<ConnectorOptions>): ConnectorOptions {
  return {
    initialMs: options.initialMs ?? DEFAULT_BACKOFF_INITIAL_MS,
    maxMs: options.maxMs ?? DEFAULT_BACKOFF_MAX_MS,
    jitter: options.jitter ?? DEFAULT_BACKOFF_JITTER,
    recheckIntervalMs: options.recheckIntervalMs ?? DEFAULT_RECHECK_INTERVAL_MS,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    ...(options.random ? { random: options.random } : {}),
  };
}

/**
 * A fixed list of seeds (libcluster's Epmd strategy), retried with backoff forever and
 * re-checked periodically so that a seed that restarts is reconnected.
 */
export function staticStrategy(options: StaticStrategyOptions): DiscoveryStrategy {
  let connector: Connector | undefined;
  return {
    name: 'static',
    start(ctx: DiscoveryContext) {
      connector = new Connector(ctx, 'static', connectorOptions(options));
      connector.add(options.seeds);
    },
    stop() {
      connector?.stop();
      connector = undefined;
    },
  };
}
