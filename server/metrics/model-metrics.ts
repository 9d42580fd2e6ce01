/** Gauges computed from the live model and traffic window at every scrape. */
import type { LiveModel } from '../model/live-model.ts';
import type { TrafficWindow } from '../model/traffic-window.ts';
import type { MetricsRegistry } from './registry.ts';

export function registerModelMetrics(
  metrics: MetricsRegistry,
  model: LiveModel,
  traffic: TrafficWindow,
  now: () => number,
): void {
  const nodeUp = metrics.gauge('observatory_node_up', '1 when the node is up, 0 otherwise');
  const linkUp = metrics.gauge('observatory_link_up', '1 when both ends report the link up');
  const sides = metrics.gauge(
    'observatory_partition_sides',
    'Partition sides among visible up nodes (1 = whole)',
  );
  const conflicts = metrics.gauge('observatory_shard_conflicts', 'Shards with more than one owner');
  const shardsOwned = metrics.gauge('observatory_node_shards_owned', 'Shards each node owns');
  const faults = metrics.gauge('observatory_active_faults', 'Faults in force, by kind');
  const rss = metrics.gauge('observatory_node_rss_bytes', 'Resident set size of each node process');
  const beamProcesses = metrics.gauge(
    'observatory_beam_processes',
    'Processes of each BEAM node (erlang:system_info(process_count))',
  );
  const beamRunQueue = metrics.gauge(
    'observatory_beam_run_queue',
    'Run queue of each BEAM node at its latest poll',
  );
  const beamMemory = metrics.gauge(
    'observatory_beam_memory_bytes',
    'Memory of each BEAM node by kind (erlang:memory())',
  );
  const msgs = metrics.gauge(
    'observatory_traffic_messages_per_second',
    'Frames per second per link and channel',
  );
  const bytes = metrics.gauge(
    'observatory_traffic_bytes_per_second',
    'Bytes per second per link and channel',
  );
  const p95 = metrics.gauge(
    'observatory_traffic_frame_bytes_p95',
    'p95 frame size per link and channel',
  );
  metrics.onCollect(() => {
    const m = model.read();
    for (const g of [nodeUp, linkUp, shardsOwned, faults, rss, msgs, bytes, p95]) g.reset();
    for (const g of [beamProcesses, beamRunQueue, beamMemory]) g.reset();
    for (const n of m.nodes) {
      nodeUp.set({ node: n.name }, n.status === 'up' ? 1 : 0);
      shardsOwned.set({ node: n.name }, n.shardsOwned);
      if (n.process !== null) rss.set({ node: n.name }, n.process.rssBytes);
      if (n.beam !== undefined && n.beam !== null) {
        beamProcesses.set({ node: n.name }, n.beam.processCount);
        beamRunQueue.set({ node: n.name }, n.beam.runQueue);
        for (const [kind, value] of Object.entries(n.beam.memory))
          beamMemory.set({ node: n.name, kind }, value);
      }
    }
    for (const l of m.links) linkUp.set({ a: l.a, b: l.b }, l.state === 'up' ? 1 : 0);
    sides.set({}, m.sides.length);
    conflicts.set({}, m.shards.filter((s) => s.conflict).length);
    faults.set({ kind: 'partition' }, m.faults.filter((f) => f.kind === 'partition').length);
    faults.set({ kind: 'latency' }, m.faults.filter((f) => f.kind === 'latency').length);
    for (const r of traffic.read(now()).rows) {
      const labels = { from: r.from, to: r.to, channel: r.channel };
      msgs.set(labels, r.msgPerSec);
      bytes.set(labels, r.bytesPerSec);
      if (r.p95 !== null) p95.set(labels, r.p95);
    }
  });
}
