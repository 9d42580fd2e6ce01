import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TrafficRow } from '../../protocol/model.ts';
import { createSketch, mergeSerialized, QuantileSketch } from '../../protocol/sketch.ts';
import type { FrameRow, Snapshot } from '../../protocol/telemetry.ts';
import { snapshot } from './testing/fixtures.ts';
import { TrafficWindow } from './traffic-window.ts';

/**
 * The window as it was computed before it became incremental: every read merges every row of the
 * window from its serialized sketch, from scratch. The incremental window must read the same.
 */
class FromScratchWindow {
  private readonly slices = new Map<
    string,
    { start: number; intervalMs: number; rows: FrameRow[] }[]
  >();
  constructor(private readonly windowMs: number) {}
  add(s: Snapshot): void {
    const list = this.slices.get(s.node) ?? [];
    const rows = s.frames.filter((f) => f.direction === 'out' && f.count !== 0);
    list.push({ start: s.t * 1000, intervalMs: s.intervalMs, rows });
    const newest = Math.max(...list.map((x) => x.start));
    this.slices.set(
      s.node,
      list.filter((x) => x.start > newest - this.windowMs),
    );
  }
  drop(node: string): void {
    this.slices.delete(node);
  }
  read(): TrafficRow[] {
    const out: TrafficRow[] = [];
    for (const [node, slices] of [...this.slices].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
      const seconds = slices.reduce((sum, x) => sum + x.intervalMs, 0) / 1000;
      if (seconds <= 0) continue;
      const groups = new Map<string, FrameRow[]>();
      for (const r of slices.flatMap((x) => x.rows)) {
        const key = `${r.peer}\n${r.channel}`;
        groups.set(key, [...(groups.get(key) ?? []), r]);
      }
      for (const [key, group] of [...groups].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
        const [to, channel] = key.split('\n') as [string, string];
        const merged = new QuantileSketch();
        for (const r of group) {
          try {
            mergeSerialized(merged, r.sketch);
          } catch {
            // counts only, as in the window
          }
        }
        const q = (p: number) => (merged.count > 0 ? merged.quantile(p) : null);
        out.push({
          from: node,
          to,
          channel,
          msgPerSec: group.reduce((s, r) => s + r.count, 0) / seconds,
          bytesPerSec: group.reduce((s, r) => s + r.bytes, 0) / seconds,
          p50: q(0.5),
          p95: q(0.95),
          p99: q(0.99),
        });
      }
    }
    return out;
  }
}

const sizeArb = fc.oneof(
  fc.integer({ min: 0, max: 70_000 }),
  fc.double({ min: 0, max: 1e6, noNaN: true }),
  fc.constantFrom(0, 1, 100, 4096),
);

const frameArb: fc.Arbitrary<FrameRow> = fc
  .record({
    peer: fc.constantFrom('b', 'c'),
    channel: fc.constantFrom('rpc', 'pubsub'),
    direction: fc.constantFrom('out', 'out', 'out', 'out', 'out', 'in'),
    count: fc.oneof(
      { weight: 9, arbitrary: fc.integer({ min: 1, max: 5 }) },
      { weight: 1, arbitrary: fc.constant(0) },
    ),
    sizes: fc.array(fc.tuple(sizeArb, fc.integer({ min: 1, max: 1_000 })), { maxLength: 4 }),
    broken: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  })
  .map(({ peer, channel, direction, count, sizes, broken }) => {
    const sketch = createSketch();
    let bytes = 0;
    for (const [size, weight] of sizes) {
      sketch.add(size, weight);
      bytes += size * weight;
    }
    return {
      peer,
      channel,
      direction: direction,
      count,
      bytes,
      sketch: broken ? 'not a sketch' : sketch.serialize(),
    };
  });

/** `step` moves the node's own second: mostly the next one, sometimes a jump or a step back. */
type Op =
  | { kind: 'add'; node: string; step: number; intervalMs: number; frames: FrameRow[] }
  | { kind: 'drop'; node: string }
  | { kind: 'read' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      node: fc.constantFrom('a', 'b'),
      step: fc.oneof(
        { weight: 6, arbitrary: fc.constant(1) },
        { weight: 1, arbitrary: fc.integer({ min: -3, max: 8 }) },
      ),
      intervalMs: fc.constantFrom(0, 500, 1_000, 1_000, 2_000),
      frames: fc.array(frameArb, { maxLength: 8 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('drop' as const),
      node: fc.constantFrom('a', 'b'),
    }),
  },
  { weight: 4, arbitrary: fc.constant({ kind: 'read' as const }) },
);

describe('traffic window — incremental', () => {
  it('traffic window — the incremental window reads exactly as a from-scratch merge of the rows in it, at any point between adds and drops, however often it is read', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1_000, 2_000, 5_000),
        fc.array(opArb, { maxLength: 80 }),
        (windowMs, ops) => {
          const w = new TrafficWindow(windowMs);
          const reference = new FromScratchWindow(windowMs);
          const seqs = new Map<string, number>();
          for (const op of ops) {
            if (op.kind === 'read') {
              expect(w.read(0).rows).toEqual(reference.read());
            } else if (op.kind === 'drop') {
              w.drop(op.node);
              reference.drop(op.node);
            } else {
              const seq = Math.max(1, (seqs.get(op.node) ?? 0) + op.step);
              seqs.set(op.node, seq);
              const s = snapshot(op.node, seq, { intervalMs: op.intervalMs, frames: op.frames });
              w.add(s);
              reference.add(s);
            }
          }
          expect(w.read(0).rows).toEqual(reference.read());
        },
      ),
      { numRuns: 400 },
    );
  });

  it('traffic window — read every second, a steady series takes its expired row out and keeps the rest: reads as a from-scratch merge', () => {
    const w = new TrafficWindow(5_000);
    const reference = new FromScratchWindow(5_000);
    for (let seq = 1; seq <= 12; seq++) {
      const sketch = createSketch();
      sketch.add(1_000 * seq, seq);
      sketch.add(7, 1);
      const s = snapshot('a', seq, {
        frames: [
          {
            peer: 'b',
            channel: 'rpc',
            direction: 'out',
            count: seq + 1,
            bytes: 1_000 * seq * seq + 7,
            sketch: sketch.serialize(),
          },
        ],
      });
      w.add(s);
      reference.add(s);
      expect(w.read(0).rows).toEqual(reference.read());
    }
  });

  it('traffic window — a series whose rows all left the window starts afresh: its percentiles are the new rows alone', () => {
    const w = new TrafficWindow(2_000);
    const big = createSketch();
    big.add(60_000, 10);
    w.add(
      snapshot('a', 1, {
        frames: [
          {
            peer: 'b',
            channel: 'rpc',
            direction: 'out',
            count: 10,
            bytes: 600_000,
            sketch: big.serialize(),
          },
        ],
      }),
    );
    const small = createSketch();
    small.add(10, 5);
    w.add(
      snapshot('a', 10, {
        frames: [
          {
            peer: 'b',
            channel: 'rpc',
            direction: 'out',
            count: 5,
            bytes: 50,
            sketch: small.serialize(),
          },
        ],
      }),
    );
    const [row] = w.read(0).rows;
    expect(row).toMatchObject({
      msgPerSec: 5,
      p50: small.quantile(0.5),
      p99: small.quantile(0.99),
    });
  });
});
