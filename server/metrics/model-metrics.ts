/** Gauges computed from the live model and traffic window at every scrape. */
import type { LiveModel } from '../model/live-model.ts';
import type { TrafficWindow } from '../model/traffic-window.ts';
import type { MetricsRegistry } from './registry.ts';

/** The gauges, by the name the collector uses: [metric name, help]. */
const MODEL_GAUGES = {
  nodeUp: ['observatory_node_up', '1 when the node is up, 0 otherwise'],
  linkUp: ['observatory_link_up', '1 when both ends report the link up'],
  sides: ['observatory_partition_sides', 'Partition sides among visible up nodes (1 = whole)'],
  conflicts: ['observatory_shard_conflicts', 'Shards with more than one owner'],
  shardsOwned: ['observatory_node_shards_owned', 'Shards each node owns'],
  faults: ['observatory_active_faults', 'Faults in force, by kind'],
  rss: ['observatory_node_rss_bytes', 'Resident set size of each node process'],
  beamProcesses: [
    'observatory_beam_processes',
    'Processes of each BEAM node (erlang:system_info(process_count))',
  ],
  beamRunQueue: ['observatory_beam_run_queue', 'Run queue of each BEAM node at its latest poll'],
  beamMemory: [
    'observatory_beam_memory_bytes',
    'Memory of each BEAM node by kind (erlang:memory())',
  ],
  msgs: ['observatory_traffic_messages_per_second', 'Frames per second per link and channel'],
  bytes: ['observatory_traffic_bytes_per_second', 'Bytes per second per link and channel'],
  p95: ['observatory_traffic_frame_bytes_p95', 'p95 frame size per link and channel'],
} as const;

export function registerModelMetrics(
  metrics: MetricsRegistry,
  model: LiveModel,
  traffic: TrafficWindow,
  now: () => number,
): void {
  const g = metrics.gauges(MODEL_GAUGES);
  metrics.onCollect(() => {
    const m = model.read();
    for (const gauge of Object.values(g)) gauge.reset();
    for (const n of m.nodes) {
      g.nodeUp.set({ node: n.name }, n.status === 'up' ? 1 : 0);
      g.shardsOwned.set({ node: n.name }, n.shardsOwned);
      if (n.process !== null) g.rss.set({ node: n.name }, n.process.rssBytes);
      if (n.beam !== undefined && n.beam !== null) {
        g.beamProcesses.set({ node: n.name }, n.beam.processCount);
        g.beamRunQueue.set({ node: n.name }, n.beam.runQueue);
        for (const [kind, value] of Object.entries(n.beam.memory))
          g.beamMemory.set({ node: n.name, kind }, value);
      }
    }
    for (const l of m.links) g.linkUp.set({ a: l.a, b: l.b }, l.state === 'up' ? 1 : 0);
    g.sides.set({}, m.sides.length);
    g.conflicts.set({}, m.shards.filter((s) => s.conflict).length);
    g.faults.set({ kind: 'partition' }, m.faults.filter((f) => f.kind === 'partition').length);
    g.faults.set({ kind: 'latency' }, m.faults.filter((f) => f.kind === 'latency').length);
    for (const r of traffic.read(now()).rows) {
      const labels = { from: r.from, to: r.to, channel: r.channel };
      g.msgs.set(labels, r.msgPerSec);
      g.bytes.set(labels, r.bytesPerSec);
      if (r.p95 !== null) g.p95.set(labels, r.p95);
    }
  });
}
