import type { Snapshot } from '../protocol/telemetry.ts';
import { DEFAULT_BUFFER_MAX_BYTES, DEFAULT_BUFFER_MAX_SNAPSHOTS } from './defaults.ts';

export interface BufferLimits {
  /** default DEFAULT_BUFFER_MAX_SNAPSHOTS (15 min of 1 s snapshots) */
  readonly maxSnapshots?: number;
  /** estimated bytes; default DEFAULT_BUFFER_MAX_BYTES */
  readonly maxBytes?: number;
}

interface Entry {
  readonly snapshot: Snapshot;
  readonly bytes: number;
}

/**
 * Rough JSON size of a snapshot, without serializing it: good enough to bound memory and batch
 * sizes, and cheap.
 */
export function estimateSnapshotBytes(s: Snapshot): number {
  let bytes = 400 + s.rpc.sketch.length + s.view.nodes.length * 40 + s.view.hidden.length * 40;
  for (const f of s.frames) bytes += 90 + f.peer.length + f.channel.length + f.sketch.length;
  bytes += s.links.length * 100 + (s.shards?.length ?? 0) * 80;
  bytes += s.events.length * 160 + s.faults.length * 160;
  if (s.discovery !== undefined) {
    const d = s.discovery;
    bytes += 300 + (d.lastError?.message.length ?? 0);
    for (const t of d.targets) bytes += 3 + t.length;
    for (const a of d.attempts) bytes += 120 + a.target.length + (a.error?.length ?? 0);
    bytes += (Object.keys(d.ignored).length + Object.keys(d.stats).length) * 90;
  }
  return bytes;
}

/**
 * Snapshots not yet acknowledged by the server, oldest first. Bounded in count and bytes: beyond
 * either limit the oldest are dropped and counted, so memory stays bounded however long the
 * server is away.
 */
export class SnapshotBuffer {
  // A plain array with a moving head: shift() on a 900-element array every second is fine, but
  // this keeps ack and drop O(1) amortized for large limits too.
  private entries: Entry[] = [];
  private head = 0;
  private totalBytes = 0;
  private droppedCount = 0;
  private readonly maxSnapshots: number;
  private readonly maxBytes: number;

  constructor(limits: BufferLimits = {}) {
    this.maxSnapshots = Math.max(1, limits.maxSnapshots ?? DEFAULT_BUFFER_MAX_SNAPSHOTS);
    this.maxBytes = Math.max(1, limits.maxBytes ?? DEFAULT_BUFFER_MAX_BYTES);
  }

  /** Appends a snapshot (seqs must increase); drops the oldest while over a limit. */
  push(snapshot: Snapshot, bytes = estimateSnapshotBytes(snapshot)): void {
    this.entries.push({ snapshot, bytes });
    this.totalBytes += bytes;
    while (
      this.length > 1 &&
      (this.length > this.maxSnapshots || this.totalBytes > this.maxBytes)
    ) {
      this.dropHead();
      this.droppedCount++;
    }
    this.compact();
  }

  /** Forgets every snapshot with seq ≤ `seq` (a cumulative ack from the server). */
  ackThrough(seq: number): number {
    let n = 0;
    while (this.length > 0 && this.entries[this.head]!.snapshot.seq <= seq) {
      this.dropHead();
      n++;
    }
    this.compact();
    return n;
  }

  /** The oldest snapshots, in order, up to `maxCount` and `maxBytes` (at least one if any). */
  peekBatch(maxCount: number, maxBytes: number): Snapshot[] {
    const batch: Snapshot[] = [];
    let bytes = 0;
    for (let i = this.head; i < this.entries.length && batch.length < maxCount; i++) {
      const entry = this.entries[i]!;
      if (batch.length > 0 && bytes + entry.bytes > maxBytes) break;
      batch.push(entry.snapshot);
      bytes += entry.bytes;
    }
    return batch;
  }

  get length(): number {
    return this.entries.length - this.head;
  }
  get bytes(): number {
    return this.totalBytes;
  }
  /** snapshots dropped because a limit was reached, since creation */
  get dropped(): number {
    return this.droppedCount;
  }

  private dropHead(): void {
    this.totalBytes -= this.entries[this.head]!.bytes;
    this.head++;
  }

  private compact(): void {
    if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
