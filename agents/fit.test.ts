import { describe, expect, it } from 'vitest';
import { createSketch, deserializeSketch } from '../protocol/sketch.ts';
import { estimateSnapshotBytes } from './buffer.ts';
import { fitSnapshot } from './fit.ts';
import { emptySnapshot } from './testing/index.ts';
import { OVERFLOW_CHANNEL } from './traffic.ts';

describe('agents/fit', () => {
  it('fit — folds the quietest rows into overflow rows, keeping totals and sketches exact', () => {
    const snapshot = emptySnapshot(1);
    for (let i = 0; i < 400; i++) {
      const sketch = createSketch();
      // One value per frame, spread wide so that sketches are long.
      for (let v = 0; v <= i; v++) sketch.add(1 + ((v * 7919) % 60_000));
      snapshot.frames.push({
        peer: `p${i}`,
        channel: 'send',
        direction: i % 2 === 0 ? 'in' : 'out',
        count: i + 1,
        bytes: 1000 * (i + 1),
        sketch: sketch.serialize(),
      });
    }
    const totalCount = snapshot.frames.reduce((n, f) => n + f.count, 0);
    const totalBytes = snapshot.frames.reduce((n, f) => n + f.bytes, 0);
    const limit = estimateSnapshotBytes(snapshot) / 4;
    const folded = fitSnapshot(snapshot, limit);
    expect(folded).toBeGreaterThan(0);
    expect(estimateSnapshotBytes(snapshot)).toBeLessThanOrEqual(limit);
    expect(snapshot.frames.reduce((n, f) => n + f.count, 0)).toBe(totalCount);
    expect(snapshot.frames.reduce((n, f) => n + f.bytes, 0)).toBe(totalBytes);
    const overflow = snapshot.frames.filter((f) => f.channel === OVERFLOW_CHANNEL);
    expect(overflow).toHaveLength(2);
    for (const row of overflow) expect(deserializeSketch(row.sketch).count).toBe(row.count);
    // The busiest rows survive as they were.
    expect(snapshot.frames.some((f) => f.peer === 'p399')).toBe(true);
  });

  it('fit — a snapshot under the limit is untouched', () => {
    const snapshot = emptySnapshot(1);
    expect(fitSnapshot(snapshot, 1e9)).toBe(0);
    expect(snapshot.frames).toEqual([]);
  });
});
