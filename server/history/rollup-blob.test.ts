import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createSketch } from '../../protocol/sketch.ts';
import type { TrafficRecord } from './aggregate.ts';
import { decodeRollupBlob, encodeRollupBlob, packByNode, RollupBlobError } from './rollup-blob.ts';
import { recordsOfRollups } from './rollups.ts';

const T = 1_767_225_600;

function record(node: string, peer: string, direction: 'in' | 'out', count: number): TrafficRecord {
  const sketch = createSketch();
  sketch.add(100 + count, count);
  return {
    t: T,
    node,
    peer,
    channel: 'rpc',
    direction,
    count,
    bytes: count * 100,
    sketch: sketch.serialize(),
  };
}

describe('rollup blob', () => {
  it('rollup blob — packs one row per node and unpacks every series exactly', () => {
    const records = [
      record('a', 'b', 'out', 3),
      record('a', 'b', 'in', 4),
      record('c', 'a', 'out', 5),
    ];
    const rows = packByNode(records, 10, T);
    expect(rows.map((r) => [r.resolution, r.node, r.t, r.series])).toEqual([
      [10, 'a', T, 2],
      [10, 'c', T, 1],
    ]);
    expect(rows.flatMap((r) => decodeRollupBlob(r.node, r.t, r.data))).toEqual(records);
  });

  it('rollup blob — a blob that does not inflate, or of another version, is refused with its code', () => {
    expect(() => decodeRollupBlob('a', T, new Uint8Array([1, 2, 3]))).toThrow(RollupBlobError);
    const other = new Uint8Array(deflateRawSync(JSON.stringify({ v: 2, s: [] })));
    expect(() => decodeRollupBlob('a', T, other)).toThrow(/not version 1/);
    try {
      decodeRollupBlob('a', T, other);
    } catch (error) {
      expect((error as RollupBlobError).code).toBe('ROLLUP_BLOB_INVALID');
    }
  });

  it('rollup blob — readers skip a bad row and keep the good ones', () => {
    const good = { node: 'a', t: T, data: encodeRollupBlob([record('a', 'b', 'out', 1)]) };
    const bad = { node: 'b', t: T, data: new Uint8Array([9, 9]) };
    expect(recordsOfRollups([bad, good]).map((r) => r.node)).toEqual(['a']);
  });
});
