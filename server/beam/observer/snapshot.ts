/**
 * Turns successive polls of one BEAM node into agent snapshots (protocol/telemetry.ts), so a
 * BEAM node reaches the live model, the store, the rollups and the export as a TypeScript node
 * does. Pure: no sockets, time comes in with each poll.
 *
 * Per distribution link the socket counters (`inet:getstat/2`: bytes and packets sent and
 * received) become one `dist` frame row per direction, with the interval's deltas. Message
 * sizes per message are not visible from outside the node, so these rows carry an empty size
 * sketch (no percentiles); a distribution proxy that sees every message adds its own rows
 * through the `traffic` hook.
 */
import { createSketch } from '../../../protocol/sketch.ts';
import {
  MAX_EVENTS_PER_SNAPSHOT,
  MAX_FRAME_ROWS,
  MAX_INTERVAL_MS,
  MAX_LINKS,
  type ActiveFault,
  type BeamStats,
  type FrameRow,
  type LinkRow,
  type NodeEvent,
  type Snapshot,
} from '../../../protocol/telemetry.ts';
import type { FirstReply, LinkCounters, SecondReply } from './poll.ts';

/** The channel name of the socket-level rows. */
export const DIST_CHANNEL = 'dist';

/**
 * Per-link traffic another component measured (the distribution proxy), in the snapshot's own
 * shapes: its links replace the observer's rows for the same peers, its channels are added.
 */
export interface BeamTraffic {
  readonly links?: readonly LinkRow[];
  readonly channels?: readonly FrameRow[];
  /** faults held on the node's links now (the proxy's partitions and latencies) */
  readonly faults?: readonly ActiveFault[];
  /** fault applied/reverted events since the last call, without eids (numbered here) */
  readonly events?: readonly NodeEvent[];
}

export interface BeamPoll {
  /** when the poll's answer arrived, ms since epoch */
  readonly at: number;
  readonly first: FirstReply;
  readonly second: SecondReply;
}

const EMPTY_SKETCH = createSketch().serialize();

export class BeamSnapshotBuilder {
  private seq = 0;
  private eid = 0;
  private prevAt: number | undefined;
  private prevReductions: number | undefined;
  /** counters per peer, keyed by the controlling port, so a new connection starts afresh */
  private prevCounters = new Map<string, { portKey: string; counters: LinkCounters }>();
  private readonly links = new Map<string, LinkRow>();

  constructor(
    private readonly node: string,
    private readonly bootId: string,
    /** the observer's own node name, left out of views, links and traffic */
    private readonly observer: string,
    private readonly otpRelease: string,
    private readonly intervalMs: number,
  ) {}

  build(poll: BeamPoll, traffic?: BeamTraffic): Snapshot {
    const { at, first, second } = poll;
    const firstPoll = this.prevAt === undefined;
    const start = this.prevAt ?? at - this.intervalMs;
    const intervalMs = Math.min(MAX_INTERVAL_MS, Math.max(1, Math.round(at - start)));
    this.prevAt = at;
    const hidden = first.hidden.filter((n) => n !== this.observer);
    const events = this.updateLinks(at, first.visible, hidden, firstPoll);

    const frames: FrameRow[] = [];
    const nextCounters = new Map<string, { portKey: string; counters: LinkCounters }>();
    first.dist.forEach((link, i) => {
      if (link.peer === this.observer || link.port === undefined) return;
      const counters = second.counters[i];
      if (counters === undefined) return;
      const portKey = `${link.port.id}.${link.port.creation}`;
      nextCounters.set(link.peer, { portKey, counters });
      const prev = this.prevCounters.get(link.peer);
      if (prev === undefined || prev.portKey !== portKey) return;
      const row = (direction: 'in' | 'out', count: number, bytes: number) => {
        if (count > 0 || bytes > 0)
          frames.push({
            peer: link.peer,
            channel: DIST_CHANNEL,
            direction,
            count,
            bytes,
            sketch: EMPTY_SKETCH,
          });
      };
      const d = (now: number, before: number) => Math.max(0, now - before);
      row(
        'out',
        d(counters.sendCnt, prev.counters.sendCnt),
        d(counters.sendOct, prev.counters.sendOct),
      );
      row(
        'in',
        d(counters.recvCnt, prev.counters.recvCnt),
        d(counters.recvOct, prev.counters.recvOct),
      );
    });
    this.prevCounters = nextCounters;

    const links = new Map(this.links);
    for (const l of traffic?.links ?? []) links.set(l.peer, l);
    frames.push(...(traffic?.channels ?? []));

    const reductions =
      this.prevReductions === undefined
        ? 0
        : Math.max(0, first.reductionsTotal - this.prevReductions);
    this.prevReductions = first.reductionsTotal;
    const m = first.memory;
    const beam: BeamStats = {
      otpRelease: this.otpRelease,
      memory: {
        total: m.total ?? 0,
        processes: m.processes ?? 0,
        system: m.system ?? 0,
        atom: m.atom ?? 0,
        binary: m.binary ?? 0,
        code: m.code ?? 0,
        ets: m.ets ?? 0,
      },
      processCount: first.processCount,
      portCount: first.portCount,
      runQueue: first.runQueue,
      reductions,
      registered: first.registered,
      globalNames: first.globalNames,
      pgGroups: second.pgGroups,
    };
    return {
      node: this.node,
      bootId: this.bootId,
      seq: ++this.seq,
      t: Math.floor(start / 1000),
      intervalMs,
      frames: frames.slice(0, MAX_FRAME_ROWS),
      links: [...links.values()].slice(0, MAX_LINKS),
      view: { nodes: first.visible, hidden },
      rpc: { count: 0, errors: 0, sketch: EMPTY_SKETCH },
      faults: [...(traffic?.faults ?? [])],
      events: [...events, ...(traffic?.events ?? []).map((e) => ({ ...e, eid: ++this.eid }))].slice(
        -MAX_EVENTS_PER_SNAPSHOT,
      ),
      eventsThrough: this.eid,
      // A BEAM node's memory stands in for the process figures; it has no event loop to time.
      process: {
        rssBytes: beam.memory.total,
        heapUsedBytes: beam.memory.processes,
        eventLoopDelayP99Ms: 0,
      },
      agent: { droppedSnapshots: 0, bufferedSnapshots: 0, droppedEvents: 0, overflowFrames: 0 },
      runtime: 'beam',
      beam,
    };
  }

  /** Link rows from the node's connected lists; nodeup/nodedown events for what changed. */
  private updateLinks(
    at: number,
    visible: readonly string[],
    hidden: readonly string[],
    firstPoll: boolean,
  ): NodeEvent[] {
    const events: NodeEvent[] = [];
    const now = new Map<string, boolean>();
    for (const n of visible) now.set(n, false);
    for (const n of hidden) now.set(n, true);
    for (const [peer, isHidden] of now) {
      const known = this.links.get(peer);
      if (known?.state === 'up') continue;
      this.links.set(peer, { peer, state: 'up', hidden: isHidden, since: at });
      // The first poll finds links that came up before we watched; it did not see them happen.
      if (!firstPoll)
        events.push({ type: 'nodeup', node: peer, hidden: isHidden, at, eid: ++this.eid });
    }
    for (const [peer, row] of this.links) {
      if (now.has(peer) || row.state === 'down') continue;
      // From outside the node the reason is not visible; the node only stopped listing the peer.
      this.links.set(peer, { ...row, state: 'down', since: at, reason: 'disconnected' });
      events.push({
        type: 'nodedown',
        node: peer,
        hidden: row.hidden,
        reason: 'disconnected',
        at,
        eid: ++this.eid,
      });
    }
    while (this.links.size > MAX_LINKS) {
      const down = [...this.links].find(([, r]) => r.state === 'down');
      if (down === undefined) break;
      this.links.delete(down[0]);
    }
    return events;
  }
}
