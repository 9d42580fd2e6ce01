import { describe, expect, it } from 'vitest';
import { deserializeSketch } from '../protocol/sketch.ts';
import { OVERFLOW_CHANNEL, RpcAggregator, TrafficAggregator } from './traffic.ts';

describe('agents/traffic', () => {
  it('traffic — counts, bytes and a size sketch per (peer, channel, direction)', () => {
    const t = new TrafficAggregator();
    for (let i = 1; i <= 100; i++) t.record('b', 'send', 'out', i, 1);
    t.record('b', 'send', 'in', 7, 1);
    t.record('c', 'tick', 'out', 12, 1);
    t.record('b', 'pubsub:news', 'out', 300, 1);
    const { frames } = t.flush();
    const row = (peer: string, channel: string, direction: string) =>
      frames.find((f) => f.peer === peer && f.channel === channel && f.direction === direction);
    expect(frames).toHaveLength(4);
    expect(row('b', 'send', 'out')).toMatchObject({ count: 100, bytes: 5050 });
    expect(row('b', 'send', 'in')).toMatchObject({ count: 1, bytes: 7 });
    expect(row('c', 'tick', 'out')).toMatchObject({ count: 1, bytes: 12 });
    expect(row('b', 'pubsub:news', 'out')).toMatchObject({ count: 1, bytes: 300 });
    const sketch = deserializeSketch(row('b', 'send', 'out')!.sketch);
    expect(sketch.count).toBe(100);
    expect(Math.abs(sketch.quantile(0.95) - 95) / 95).toBeLessThanOrEqual(0.01);
  });

  it('traffic — repeated sizes and interleaved rows still land in the right sketches', () => {
    const t = new TrafficAggregator();
    const sizes = [100, 100, 100, 5000, 100, 1, 1, 70_000, 70_000];
    for (const bytes of sizes) {
      t.record('b', 'send', 'out', bytes, 1);
      t.record('c', 'send', 'out', 42, 1);
    }
    const { frames } = t.flush();
    const b = deserializeSketch(frames.find((f) => f.peer === 'b')!.sketch);
    const c = deserializeSketch(frames.find((f) => f.peer === 'c')!.sketch);
    expect(b.count).toBe(sizes.length);
    expect([b.min, b.max]).toEqual([1, 70_000]);
    expect(Math.abs(b.quantile(0.5) - 100) / 100).toBeLessThanOrEqual(0.01);
    expect(c.count).toBe(sizes.length);
    expect(Math.abs(c.quantile(0.5) - 42) / 42).toBeLessThanOrEqual(0.01);
  });

  it('traffic — a run of frames counts as many frames, bytes and sketch weight', () => {
    const t = new TrafficAggregator();
    t.record('b', 'rpc', 'out', 100, 1_000);
    t.record('b', 'rpc', 'in', 50, 999);
    t.record('b', 'rpc', 'out', 100, 24);
    t.record('b', 'rpc', 'out', 300, 1);
    const { frames } = t.flush();
    const out = frames.find((f) => f.direction === 'out')!;
    expect(out).toMatchObject({ count: 1_025, bytes: 1_024 * 100 + 300 });
    const sketch = deserializeSketch(out.sketch);
    expect(sketch.count).toBe(1_025);
    expect(sketch.max).toBe(300);
    expect(frames.find((f) => f.direction === 'in')).toMatchObject({ count: 999, bytes: 49_950 });
  });

  it('traffic — a flush resets the interval; quiet rows are not reported', () => {
    const t = new TrafficAggregator();
    t.record('b', 'send', 'out', 10, 1);
    expect(t.flush().frames).toHaveLength(1);
    expect(t.flush().frames).toHaveLength(0);
    t.record('b', 'send', 'out', 20, 1);
    const [row] = t.flush().frames;
    expect(row).toMatchObject({ count: 1, bytes: 20 });
    expect(deserializeSketch(row!.sketch).count).toBe(1);
  });

  it('traffic — rows idle longer than the limit are freed', () => {
    const t = new TrafficAggregator({ idleIntervals: 2 });
    t.record('b', 'send', 'out', 10, 1);
    t.flush();
    expect(t.size).toBe(1);
    for (let i = 0; i < 3; i++) t.flush();
    expect(t.size).toBe(0);
  });

  it('traffic — beyond the row limit frames go to one overflow row and are counted', () => {
    const t = new TrafficAggregator({ maxRows: 5 });
    for (let i = 0; i < 10; i++) t.record('b', `svc:${i}`, 'out', 10, 1);
    const { frames, overflowFrames } = t.flush();
    expect(frames.length).toBeLessThanOrEqual(5);
    expect(overflowFrames).toBe(7);
    expect(frames.find((f) => f.channel === OVERFLOW_CHANNEL)).toMatchObject({
      count: 7,
      bytes: 70,
    });
    expect(frames.reduce((n, f) => n + f.count, 0)).toBe(10);
  });

  it('rpc — counts calls and errors with a latency sketch', () => {
    const r = new RpcAggregator();
    r.record({ peer: 'b', handler: 'x', durationMs: 0.25, ok: true });
    r.record({ peer: 'b', handler: 'x', durationMs: 3, ok: false });
    const out = r.flush();
    expect(out).toMatchObject({ count: 2, errors: 1 });
    const s = deserializeSketch(out.sketch);
    expect(s.max).toBe(3);
    expect(r.flush()).toMatchObject({ count: 0, errors: 0 });
  });
});
