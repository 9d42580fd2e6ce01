import { describe, expect, it } from 'vitest';
import { convexHull, layoutCircle, orderBySides } from './circle-layout.ts';

describe('circle layout', () => {
  it('circle layout — places the first node at the top and the rest clockwise, evenly', () => {
    const pos = layoutCircle(['a', 'b', 'c', 'd'], { cx: 100, cy: 100, r: 50 });
    expect(pos.get('a')).toEqual({ x: 100, y: 50 });
    expect(pos.get('b')).toEqual({ x: 150, y: 100 });
    expect(pos.get('c')).toEqual({ x: 100, y: 150 });
    expect(pos.get('d')).toEqual({ x: 50, y: 100 });
  });

  it('circle layout — every node sits on the circle, none on top of another', () => {
    const names = Array.from({ length: 32 }, (_, i) => `n${i}`);
    const pos = layoutCircle(names, { cx: 0, cy: 0, r: 10 });
    const keys = new Set([...pos.values()].map((p) => `${p.x},${p.y}`));
    expect(keys.size).toBe(32);
    for (const p of pos.values()) expect(Math.hypot(p.x, p.y)).toBeCloseTo(10, 1);
  });

  it('circle layout — orders nodes so each side is one arc, nodes on no side last', () => {
    expect(
      orderBySides(
        ['e', 'a', 'd', 'b', 'c'],
        [
          ['d', 'b'],
          ['a', 'e'],
        ],
      ),
    ).toEqual(['b', 'd', 'a', 'e', 'c']);
  });

  it('circle layout — convex hull drops interior points', () => {
    const hull = convexHull([
      { x: 0, y: 0 },
      { x: 10, y: 0 },
      { x: 10, y: 10 },
      { x: 0, y: 10 },
      { x: 5, y: 5 },
    ]);
    expect(hull).toHaveLength(4);
    expect(hull).not.toContainEqual({ x: 5, y: 5 });
  });

  it('circle layout — hull of one or two points is those points', () => {
    expect(
      convexHull([
        { x: 1, y: 1 },
        { x: 1, y: 1 },
      ]),
    ).toEqual([{ x: 1, y: 1 }]);
    expect(
      convexHull([
        { x: 1, y: 1 },
        { x: 2, y: 2 },
      ]),
    ).toHaveLength(2);
  });
});
