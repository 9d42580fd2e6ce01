/** The observatory agent: attach it to a node with one call. */
export { attachAgent } from './agent.ts';
export type {
  Agent,
  AgentNode,
  AgentOptions,
  AgentStatus,
  RecordableEvent,
  ShardInfo,
} from './agent.ts';
export type { BufferLimits } from './buffer.ts';
export type { DiscoverySource } from './discovery.ts';
export type { ProcessStatsSource } from './process-stats.ts';
export type { AgentTransport, TransportHandlers } from './stream.ts';
export { AgentDetachedError, AgentOptionsError } from './errors.ts';
export * from './defaults.ts';
