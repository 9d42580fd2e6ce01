import { describe, expect, it } from 'vitest';
import { row } from './testing/fixtures.ts';
import {
  buildMatrix,
  bytesPerLink,
  linkWidth,
  matrixShade,
  MAX_LINK_WIDTH,
  MIN_LINK_WIDTH,
  rowsOfLink,
} from './traffic.ts';

describe('traffic', () => {
  it('traffic — matrix sums channels per sender and receiver and ignores unknown nodes', () => {
    const m = buildMatrix(
      [
        row('a', 'b', 'x', 100),
        row('a', 'b', 'y', 50),
        row('b', 'a', 'x', 10),
        row('a', 'zz', 'x', 999),
      ],
      ['a', 'b'],
    );
    expect(m.cells).toEqual([
      [0, 150],
      [10, 0],
    ]);
    expect(m.max).toBe(150);
  });

  it('traffic — bytes per link add both directions under one key', () => {
    const links = bytesPerLink([row('b', 'a', 'x', 10), row('a', 'b', 'x', 5)]);
    expect(links.get('a|b')).toBe(15);
    expect(links.size).toBe(1);
  });

  it('traffic — link width grows with bytes and stays within bounds', () => {
    expect(linkWidth(0, 100)).toBe(MIN_LINK_WIDTH);
    expect(linkWidth(100, 100)).toBe(MAX_LINK_WIDTH);
    expect(linkWidth(25, 100)).toBeGreaterThan(MIN_LINK_WIDTH);
    expect(linkWidth(25, 100)).toBeLessThan(MAX_LINK_WIDTH);
    expect(linkWidth(500, 100)).toBe(MAX_LINK_WIDTH);
  });

  it('traffic — rows of a link list the a→b direction first, then by channel', () => {
    const rows = rowsOfLink(
      [row('b', 'a', 'x', 1), row('a', 'b', 'y', 1), row('a', 'c', 'x', 1), row('a', 'b', 'x', 1)],
      'a',
      'b',
    );
    expect(rows.map((r) => `${r.from}>${r.to}:${r.channel}`)).toEqual(['a>b:x', 'a>b:y', 'b>a:x']);
  });

  it('traffic — matrix shade is 0 for an idle cell and 1 for the busiest', () => {
    expect(matrixShade(0, 10)).toBe(0);
    expect(matrixShade(10, 10)).toBe(1);
    expect(matrixShade(0.0001, 10)).toBeGreaterThan(0);
  });
});
