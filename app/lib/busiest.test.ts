import { describe, expect, it } from 'vitest';
import { busiestNodes } from './busiest.ts';
import { row } from './testing/fixtures.ts';

describe('busiest nodes', () => {
  it('busiest nodes — keeps the nodes with the most bytes, in the given order', () => {
    const rows = [row('c', 'd', 'rpc', 1_000), row('a', 'c', 'rpc', 10), row('b', 'e', 'rpc', 5)];
    expect(busiestNodes(rows, ['a', 'b', 'c', 'd', 'e'], 3)).toEqual(['a', 'c', 'd']);
  });

  it('busiest nodes — a cluster within the limit is kept whole', () => {
    const nodes = ['a', 'b'];
    expect(busiestNodes([], nodes, 2)).toBe(nodes);
  });
});
