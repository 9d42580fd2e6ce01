export type {
  BuiltinStrategyName,
  DiscoveryContext,
  DiscoveryEvent,
  DiscoveryStrategy,
  IgnoreReason,
} from './types.ts';
export { backoffDelayMs, type BackoffOptions } from './backoff.ts';
export { Connector, normalizeTarget, type ConnectorOptions } from './connector.ts';
export { staticStrategy, type StaticStrategyOptions } from './static.ts';
export { gossipStrategy, type GossipStrategyOptions } from './gossip.ts';
export {
  dnsStrategy,
  DnsConfigError,
  type DnsRecordType,
  type DnsResolverPort,
  type DnsStrategyOptions,
} from './dns.ts';
export {
  discoveryConfigSchema,
  parseDiscoveryConfig,
  DiscoveryConfigError,
  type DiscoveryConfig,
  type DiscoveryConfigInput,
} from './config.ts';
export {
  startDiscovery,
  strategyFromConfig,
  DiscoveryCookieRequiredError,
  type Discovery,
  type DiscoveryNode,
  type StartDiscoveryOptions,
} from './start.ts';
