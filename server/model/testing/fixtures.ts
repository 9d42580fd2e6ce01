/** Builders of valid protocol values for server tests (not used in production code). */
import type { AgentHello } from '../../../protocol/agent.ts';
import { createSketch } from '../../../protocol/sketch.ts';
import type { DiscoverySummary, FrameRow, LinkRow, Snapshot } from '../../../protocol/telemetry.ts';

export function hello(node: string, overrides: Partial<AgentHello> = {}): AgentHello {
  return {
    token: 'agent-token',
    protocol: 1,
    node,
    bootId: `boot-${node}`,
    hidden: false,
    address: '127.0.0.1:9101',
    intervalMs: 1_000,
    capabilities: ['kill', 'partition', 'heal', 'latency', 'shards'],
    now: 0,
    ...overrides,
  };
}

/** A frame row with `count` frames of `size` bytes. */
export function frame(peer: string, channel: string, count: number, size: number): FrameRow {
  const sketch = createSketch();
  sketch.add(size, count);
  return {
    peer,
    channel,
    direction: 'out',
    count,
    bytes: count * size,
    sketch: sketch.serialize(),
  };
}

export function upLinks(...peers: string[]): LinkRow[] {
  return peers.map((peer) => ({ peer, state: 'up', hidden: false, since: 0 }));
}

export function snapshot(node: string, seq: number, overrides: Partial<Snapshot> = {}): Snapshot {
  const empty = createSketch().serialize();
  return {
    node,
    bootId: `boot-${node}`,
    seq,
    t: 1_700_000_000 + seq,
    intervalMs: 1_000,
    frames: [],
    links: [],
    view: { nodes: [], hidden: [] },
    rpc: { count: 0, errors: 0, sketch: empty },
    faults: [],
    events: [],
    process: { rssBytes: 1, heapUsedBytes: 1, eventLoopDelayP99Ms: 0 },
    agent: { droppedSnapshots: 0, bufferedSnapshots: 0, droppedEvents: 0, overflowFrames: 0 },
    ...overrides,
  };
}

/** A static discovery section that found `targets` and connected to each on the first try. */
export function discovery(
  targets: string[],
  overrides: Partial<DiscoverySummary> = {},
): DiscoverySummary {
  return {
    strategy: 'static',
    targets,
    targetCount: targets.length,
    targetsAt: 1_700_000_000_000,
    attempts: targets.map((target, i) => ({
      target,
      attempt: 1,
      ok: true,
      durationMs: 2,
      at: 1_700_000_000_010 + i,
    })),
    connects: { ok: targets.length, failed: 0 },
    ignored: {},
    lastError: null,
    stats: {},
    ...overrides,
  };
}
