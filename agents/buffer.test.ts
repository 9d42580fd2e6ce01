import { describe, expect, it } from 'vitest';
import { SnapshotBuffer } from './buffer.ts';
import { emptySnapshot } from './testing/index.ts';

const snap = emptySnapshot;

describe('agents/buffer', () => {
  it('buffer — keeps order and drops the oldest beyond the count limit, counting them', () => {
    const b = new SnapshotBuffer({ maxSnapshots: 600, maxBytes: 1e12 });
    for (let seq = 1; seq <= 1000; seq++) b.push(snap(seq), 100);
    expect(b.length).toBe(600);
    expect(b.dropped).toBe(400);
    expect(b.peekBatch(3, 1e9).map((s) => s.seq)).toEqual([401, 402, 403]);
    expect(b.bytes).toBe(60_000);
  });

  it('buffer — the byte limit bounds memory too', () => {
    const b = new SnapshotBuffer({ maxSnapshots: 10_000, maxBytes: 10_000 });
    for (let seq = 1; seq <= 100; seq++) b.push(snap(seq), 1_000);
    expect(b.length).toBe(10);
    expect(b.bytes).toBe(10_000);
    expect(b.dropped).toBe(90);
  });

  it('buffer — ackThrough forgets acknowledged snapshots only', () => {
    const b = new SnapshotBuffer();
    for (let seq = 1; seq <= 10; seq++) b.push(snap(seq), 10);
    expect(b.ackThrough(4)).toBe(4);
    expect(b.ackThrough(2)).toBe(0);
    expect(b.peekBatch(100, 1e9).map((s) => s.seq)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(b.bytes).toBe(60);
  });

  it('buffer — batches respect count and bytes but always hold at least one', () => {
    const b = new SnapshotBuffer();
    for (let seq = 1; seq <= 10; seq++) b.push(snap(seq), 400);
    expect(b.peekBatch(3, 1e9)).toHaveLength(3);
    expect(b.peekBatch(100, 1_000)).toHaveLength(2);
    expect(b.peekBatch(100, 10)).toHaveLength(1);
  });

  it('buffer — stays correct across many compactions', () => {
    const b = new SnapshotBuffer({ maxSnapshots: 50 });
    for (let seq = 1; seq <= 5_000; seq++) {
      b.push(snap(seq), 1);
      if (seq % 7 === 0) b.ackThrough(seq - 3);
    }
    const seqs = b.peekBatch(1000, 1e9).map((s) => s.seq);
    expect(seqs[seqs.length - 1]).toBe(5_000);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);
  });
});
