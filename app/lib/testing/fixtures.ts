/** Builders of model values for the dashboard's unit tests (not used by the page). */
import type {
  ClusterModel,
  ModelEvent,
  ModelNode,
  ModelShard,
  TrafficRow,
} from '../../../protocol/model.ts';

export function node(name: string, overrides: Partial<ModelNode> = {}): ModelNode {
  return {
    name,
    address: null,
    hidden: false,
    status: 'up',
    bootId: `boot-${name}`,
    lastSeen: 0,
    since: 0,
    view: null,
    capabilities: ['kill', 'partition', 'heal', 'latency'],
    process: null,
    shardsOwned: 0,
    discovery: null,
    ...overrides,
  };
}

export function model(overrides: Partial<ClusterModel> = {}): ClusterModel {
  return {
    at: 0,
    version: 1,
    nodes: [],
    links: [],
    sides: [],
    partitioned: false,
    shards: [],
    faults: [],
    ...overrides,
  };
}

export function row(
  from: string,
  to: string,
  channel: string,
  bytesPerSec: number,
  msgPerSec = 1,
): TrafficRow {
  return { from, to, channel, msgPerSec, bytesPerSec, p50: 100, p95: 200, p99: 300 };
}

export function shard(
  n: number,
  owner: string | null,
  overrides: Partial<ModelShard> = {},
): ModelShard {
  return {
    shard: n,
    owner,
    epoch: 1,
    claimants: owner === null ? [] : [{ node: owner, role: 'owner', epoch: 1 }],
    conflict: false,
    handoff: false,
    ...overrides,
  };
}

export function event(at: number, node: string, e: ModelEvent['event'], id = 0): ModelEvent {
  return {
    id,
    at,
    node,
    source: 'type' in e && ['agent', 'control', 'drill'].includes(e.type) ? 'server' : 'node',
    event: e,
  };
}
