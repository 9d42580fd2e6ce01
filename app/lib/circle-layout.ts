/** Placement of nodes on a circle and the geometry of partition islands. */

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface CircleOptions {
  readonly cx: number;
  readonly cy: number;
  readonly r: number;
}

/**
 * Places `names` evenly on a circle, clockwise from the top, in the given order. One node sits
 * at the top; an empty list gives an empty map.
 */
export function layoutCircle(names: readonly string[], options: CircleOptions): Map<string, Point> {
  const out = new Map<string, Point>();
  const n = names.length;
  names.forEach((name, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, n);
    out.set(name, {
      x: round(options.cx + options.r * Math.cos(angle)),
      y: round(options.cy + options.r * Math.sin(angle)),
    });
  });
  return out;
}

const round = (v: number) => Math.round(v * 100) / 100;

/**
 * Orders nodes so that each partition side occupies one arc of the circle (sides in the given
 * order, names sorted within a side, nodes on no side last), which keeps islands from overlapping.
 */
export function orderBySides(
  names: readonly string[],
  sides: readonly (readonly string[])[],
): string[] {
  const sideOf = new Map<string, number>();
  sides.forEach((side, i) => side.forEach((n) => sideOf.set(n, i)));
  return [...names].sort((a, b) => {
    const sa = sideOf.get(a) ?? sides.length;
    const sb = sideOf.get(b) ?? sides.length;
    return sa !== sb ? sa - sb : a < b ? -1 : a > b ? 1 : 0;
  });
}

/** Convex hull (Andrew's monotone chain), counter-clockwise, without repeated points. */
export function convexHull(points: readonly Point[]): Point[] {
  const pts = [...points].sort((p, q) => p.x - q.x || p.y - q.y);
  const unique = pts.filter((p, i) => i === 0 || p.x !== pts[i - 1]!.x || p.y !== pts[i - 1]!.y);
  if (unique.length <= 2) return unique;
  const cross = (o: Point, a: Point, b: Point) =>
    (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
  const build = (list: readonly Point[]) => {
    const hull: Point[] = [];
    for (const p of list) {
      while (hull.length >= 2 && cross(hull[hull.length - 2]!, hull[hull.length - 1]!, p) <= 0) {
        hull.pop();
      }
      hull.push(p);
    }
    hull.pop();
    return hull;
  };
  return [...build(unique), ...build([...unique].reverse())];
}

/** SVG `points` attribute of a polygon. */
export function toPointsAttr(points: readonly Point[]): string {
  return points.map((p) => `${p.x},${p.y}`).join(' ');
}
