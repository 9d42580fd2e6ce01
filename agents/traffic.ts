import type { Channel, FrameRunListener, NodeName, RpcCallEvent } from '../cluster/api.ts';
import type { FrameRow, RpcStats } from '../protocol/telemetry.ts';
import { MAX_CHANNEL_CHARS, MAX_FRAME_ROWS } from '../protocol/telemetry.ts';
import { QuantileSketch } from '../protocol/sketch.ts';
import { DEFAULT_ROW_IDLE_INTERVALS } from './defaults.ts';

/** Where frames go once there are too many distinct rows to report. */
export const OVERFLOW_PEER = '*';
export const OVERFLOW_CHANNEL = 'other:overflow';

class Row {
  /** frames and bytes of the interval, not counting the current run */
  count = 0;
  bytes = 0;
  // Run-length of the latest size: ticks and fixed-size messages repeat one size, and a compare
  // is cheaper than a sketch add. Folded into count, bytes and the sketch when the size changes.
  runBytes = -1;
  runCount = 0;
  idleIntervals = 0;
  readonly sketch = new QuantileSketch();
  constructor(
    readonly peer: string,
    readonly channel: string,
    readonly direction: 'in' | 'out',
  ) {}
}

type Table = Map<string, Map<string, Row>>;

export interface TrafficOptions {
  /** rows reported per interval at most (overflow included); default MAX_FRAME_ROWS */
  readonly maxRows?: number;
  /** rows idle this many intervals are freed; default DEFAULT_ROW_IDLE_INTERVALS */
  readonly idleIntervals?: number;
}

/**
 * Turns frame events into per-interval rows. The per-frame path is two map lookups, two additions
 * and a sketch add; rows and their sketches are reused from one interval to the next, so nothing
 * is allocated per frame once a (peer, channel, direction) has been seen.
 */
export class TrafficAggregator {
  private readonly tables: Record<'in' | 'out', Table> = { in: new Map(), out: new Map() };
  private readonly overflow: Record<'in' | 'out', Row> = {
    in: new Row(OVERFLOW_PEER, OVERFLOW_CHANNEL, 'in'),
    out: new Row(OVERFLOW_PEER, OVERFLOW_CHANNEL, 'out'),
  };
  private rows = 0;
  private overflowFrames = 0;
  // One-entry cache: frames come in runs to one peer and channel, and comparing the same
  // interned strings is cheaper than two map lookups.
  private lastPeer = '';
  private lastChannel = '';
  private lastDirection = '';
  private lastRow: Row | undefined;
  private readonly maxRows: number;
  private readonly idleLimit: number;

  constructor(options: TrafficOptions = {}) {
    // Two rows are kept for the overflow rows themselves.
    this.maxRows = Math.max(1, (options.maxRows ?? MAX_FRAME_ROWS) - 2);
    this.idleLimit = options.idleIntervals ?? DEFAULT_ROW_IDLE_INTERVALS;
  }

  /** The frame-run hook; bound so it can be passed straight to `onFrameRuns`. */
  readonly record: FrameRunListener = (peer, channel, direction, bytes, count) => {
    let row = this.lastRow;
    if (
      row === undefined ||
      peer !== this.lastPeer ||
      channel !== this.lastChannel ||
      direction !== this.lastDirection
    ) {
      row = this.lookup(peer, channel, direction, count);
    }
    // Runs of one row's size add up (requests and replies alternate between two rows, each of
    // a steady size); count, bytes and the sketch take the run as a whole when it ends.
    if (bytes === row.runBytes) row.runCount += count;
    else {
      endRun(row);
      row.runBytes = bytes;
      row.runCount = count;
    }
  };

  private lookup(peer: NodeName, channel: Channel, dir: 'in' | 'out', frames: number): Row {
    const direction = dir === 'in' ? 'in' : 'out';
    const table = this.tables[direction];
    let channels = table.get(peer);
    let row = channels?.get(channel);
    if (row === undefined) {
      if (this.rows >= this.maxRows || channel.length > MAX_CHANNEL_CHARS) {
        this.overflowFrames += frames;
        // Not cached, so every overflowing frame is counted.
        return this.overflow[direction];
      } else {
        if (channels === undefined) {
          channels = new Map();
          table.set(peer, channels);
        }
        row = new Row(peer, channel, direction);
        channels.set(channel, row);
        this.rows++;
      }
    }
    this.lastPeer = peer;
    this.lastChannel = channel;
    this.lastDirection = direction;
    this.lastRow = row;
    return row;
  }

  /** Rows with traffic since the last flush; resets the counters. */
  flush(): { frames: FrameRow[]; overflowFrames: number } {
    // The cached row may be freed below.
    this.lastRow = undefined;
    const frames: FrameRow[] = [];
    for (const direction of ['in', 'out'] as const) {
      const table = this.tables[direction];
      for (const [peer, channels] of table) {
        for (const [channel, row] of channels) {
          if (row.count + row.runCount > 0) {
            frames.push(take(row));
          } else if (++row.idleIntervals > this.idleLimit) {
            channels.delete(channel);
            this.rows--;
          }
        }
        if (channels.size === 0) table.delete(peer);
      }
      const extra = this.overflow[direction];
      if (extra.count + extra.runCount > 0) frames.push(take(extra));
    }
    const overflowFrames = this.overflowFrames;
    this.overflowFrames = 0;
    return { frames, overflowFrames };
  }

  /** distinct rows currently held */
  get size(): number {
    return this.rows;
  }
}

function endRun(row: Row): void {
  if (row.runCount === 0) return;
  row.count += row.runCount;
  row.bytes += row.runBytes * row.runCount;
  row.sketch.add(row.runBytes, row.runCount);
}

function take(row: Row): FrameRow {
  endRun(row);
  row.runBytes = -1;
  row.runCount = 0;
  const out: FrameRow = {
    peer: row.peer,
    channel: row.channel,
    direction: row.direction,
    count: row.count,
    bytes: row.bytes,
    sketch: row.sketch.serialize(),
  };
  row.count = 0;
  row.bytes = 0;
  row.idleIntervals = 0;
  row.sketch.reset();
  return out;
}

/** RPC calls made by this node: count, errors and a latency sketch per interval. */
export class RpcAggregator {
  private count = 0;
  private errors = 0;
  private readonly sketch = new QuantileSketch();

  readonly record = (event: RpcCallEvent): void => {
    this.count++;
    if (!event.ok) this.errors++;
    this.sketch.add(event.durationMs);
  };

  flush(): RpcStats {
    const out: RpcStats = {
      count: this.count,
      errors: this.errors,
      sketch: this.sketch.serialize(),
    };
    this.count = 0;
    this.errors = 0;
    this.sketch.reset();
    return out;
  }
}
