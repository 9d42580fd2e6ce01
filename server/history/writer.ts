/**
 * Batched writes: snapshots (raw rows, their events, the agents' stored seq) and server events
 * from every agent are gathered for up to `flushIntervalMs` and written in one transaction, so
 * a hundred agents cost a few transactions a second, not hundreds. A snapshot's promise resolves
 * only when its transaction committed: ingest acks nothing that is not durable.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { ModelEvent } from '../../protocol/model.ts';
import type { Snapshot } from '../../protocol/telemetry.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../store/client.ts';
import type { HistoryConfig } from './config.ts';

interface Pending {
  readonly snapshots: readonly Snapshot[];
  readonly events: readonly ModelEvent[];
  readonly receivedAt: number;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * The raw row's `data`: everything of a snapshot except its key and its events, as deflated
 * JSON. Frame rows repeat names and keys, so this is several times smaller than the JSON, and
 * level 1 costs well under a millisecond per snapshot.
 */
export function snapshotData(s: Snapshot): Uint8Array<ArrayBuffer> {
  const { node: _n, bootId: _b, seq: _s, t: _t, intervalMs: _i, events: _e, ...rest } = s;
  return new Uint8Array(deflateRawSync(JSON.stringify(rest), { level: 1 }));
}

/** Reads `snapshotData` back. */
export function readSnapshotData(
  data: Uint8Array,
): Omit<Snapshot, 'node' | 'bootId' | 'seq' | 't' | 'intervalMs' | 'events'> {
  return JSON.parse(inflateRawSync(data).toString('utf8')) as ReturnType<typeof readSnapshotData>;
}

export function eventRow(e: ModelEvent) {
  return {
    at: new Date(e.at),
    node: e.node,
    source: e.source,
    type: e.event.type,
    data: JSON.stringify(e.event),
  };
}

/** An agent boot's stored-seq cursor is rewritten at most this often (raw rows cover the rest). */
export const CURSOR_WRITE_EVERY_MS = 10_000;
// Forgetting only makes the next write of each cursor come sooner; it bounds memory.
const MAX_REMEMBERED_CURSORS = 100_000;

export class HistoryWriter {
  private queue: Pending[] = [];
  private queuedSnapshots = 0;
  private timer: unknown;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;
  /** when each (node, bootId) cursor was last written, by this process */
  private readonly cursorWrittenAt = new Map<string, number>();

  private readonly clock: Clock;
  private readonly now: () => number;

  /** `time.now` stamps server events; `time.clock` runs the flush timer and cursor pacing. */
  constructor(
    private readonly db: Db,
    private readonly config: Pick<HistoryConfig, 'flushIntervalMs' | 'flushMaxSnapshots'>,
    time: { readonly clock?: Clock; readonly now?: () => number } = {},
  ) {
    const clock = time.clock ?? systemClock;
    this.clock = clock;
    this.now = time.now ?? (() => clock.now());
  }

  /** Resolves once the snapshots (and their events) are committed. */
  writeSnapshots(snapshots: readonly Snapshot[], receivedAt: number): Promise<void> {
    const events: ModelEvent[] = [];
    for (const s of snapshots) {
      for (const e of s.events)
        events.push({ id: 0, at: e.at, node: s.node, source: 'node', event: e });
    }
    return this.enqueue(snapshots, events, receivedAt);
  }

  /** Resolves once the events are committed. */
  writeEvents(events: readonly ModelEvent[]): Promise<void> {
    return this.enqueue([], events, this.now());
  }

  private enqueue(
    snapshots: readonly Snapshot[],
    events: readonly ModelEvent[],
    receivedAt: number,
  ): Promise<void> {
    if (this.closed) return Promise.reject(new Error('history writer closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ snapshots, events, receivedAt, resolve, reject });
      this.queuedSnapshots += snapshots.length;
      if (this.queuedSnapshots >= this.config.flushMaxSnapshots) this.flushSoon(0);
      else this.flushSoon(this.config.flushIntervalMs);
    });
  }

  private flushSoon(ms: number): void {
    if (this.timer !== undefined) {
      if (ms > 0) return;
      this.clock.clearTimeout(this.timer);
    }
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
  }

  /**
   * Writes everything queued now, after any flush already under way (transactions never overlap
   * and commit in arrival order); resolves when all of it is committed or failed (errors go to
   * the waiting callers).
   */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.commitQueued());
    return this.flushing;
  }

  private async commitQueued(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.queuedSnapshots = 0;
    if (batch.length === 0) return;
    try {
      await this.commit(batch);
      for (const p of batch) p.resolve();
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }

  private async commit(batch: readonly Pending[]): Promise<void> {
    const raw = [];
    const events = [];
    const cursors = new Map<string, { node: string; bootId: string; seq: number; at: number }>();
    for (const p of batch) {
      for (const s of p.snapshots) {
        raw.push({
          node: s.node,
          bootId: s.bootId,
          seq: s.seq,
          t: s.t,
          intervalMs: s.intervalMs,
          data: snapshotData(s),
          receivedAt: new Date(p.receivedAt),
        });
        const k = `${s.node}\n${s.bootId}`;
        const c = cursors.get(k);
        if (c === undefined || c.seq < s.seq)
          cursors.set(k, { node: s.node, bootId: s.bootId, seq: s.seq, at: p.receivedAt });
      }
      for (const e of p.events) events.push(eventRow(e));
    }
    const db = this.db;
    // The raw rows themselves say what is stored; the cursor only has to outlive raw retention,
    // so each agent boot's cursor is written at most every CURSOR_WRITE_EVERY_MS (upserts are
    // the costliest statements of a flush).
    const now = this.clock.monotonic();
    const due = [...cursors].filter(
      ([k]) =>
        now - (this.cursorWrittenAt.get(k) ?? Number.NEGATIVE_INFINITY) >= CURSOR_WRITE_EVERY_MS,
    );
    await db.$transaction([
      ...(raw.length > 0 ? [db.rawSnapshot.createMany({ data: raw })] : []),
      ...(events.length > 0 ? [db.event.createMany({ data: events })] : []),
      ...due.map(([, c]) =>
        db.agentCursor.upsert({
          where: { node_bootId: { node: c.node, bootId: c.bootId } },
          create: { node: c.node, bootId: c.bootId, seq: c.seq, updatedAt: new Date(c.at) },
          update: { seq: c.seq, updatedAt: new Date(c.at) },
        }),
      ),
    ]);
    for (const [k] of due) this.cursorWrittenAt.set(k, now);
    if (this.cursorWrittenAt.size > MAX_REMEMBERED_CURSORS) this.cursorWrittenAt.clear();
  }

  /** Flushes what is queued and refuses further writes. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
