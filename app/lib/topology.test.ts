import { describe, expect, it } from 'vitest';
import type { ModelLink } from '../../protocol/model.ts';
import { model, node, row } from './testing/fixtures.ts';
import { buildTopology, viewsDiffer } from './topology.ts';
import { partitionSides, nextSide } from './partition.ts';

const link = (a: string, b: string, overrides: Partial<ModelLink> = {}): ModelLink => ({
  a,
  b,
  state: 'up',
  ends: { a: 'up', b: 'up' },
  blackholed: false,
  delayed: false,
  hidden: false,
  ...overrides,
});

const view = (...nodes: string[]) => ({ view: { nodes, hidden: [] } });

describe('topology', () => {
  const partitioned = model({
    nodes: [
      node('a', view('b')),
      node('b', view('a')),
      node('c', view('d', 'e')),
      node('d', view('c', 'e')),
      node('e', view('c', 'd')),
    ],
    links: [link('a', 'b'), link('a', 'c', { state: 'down', blackholed: true }), link('c', 'd')],
    sides: [
      ['c', 'd', 'e'],
      ['a', 'b'],
    ],
    partitioned: true,
  });

  it('topology — a partition gives each node its side and a blackholed link its look', () => {
    const t = buildTopology(partitioned, [row('a', 'b', 'x', 1_000)], { size: 400, viewer: null });
    expect(t.sides).toHaveLength(2);
    expect(t.nodes.find((n) => n.name === 'a')?.side).toBe(1);
    expect(t.links.find((l) => l.key === 'a|c')?.look).toBe('blackholed');
    expect(t.links.find((l) => l.key === 'a|b')!.width).toBeGreaterThan(
      t.links.find((l) => l.key === 'c|d')!.width,
    );
  });

  it('topology — as seen by a node: spokes to every other node, down where its view lacks them', () => {
    const t = buildTopology(partitioned, [], { size: 400, viewer: 'a' });
    expect(t.links).toHaveLength(4);
    expect(t.links.filter((l) => l.look === 'up').map((l) => l.key)).toEqual(['a|b']);
    expect(t.nodes.filter((n) => !n.seen).map((n) => n.name)).toEqual(['c', 'd', 'e']);
  });

  it('topology — views of nodes on different sides differ, views within a side agree', () => {
    const [a, b, c] = partitioned.nodes;
    expect(viewsDiffer(a!, c!)).toBe(true);
    expect(viewsDiffer(a!, b!)).toBe(false);
  });

  it('partition — the builder needs a node on each side and sends sorted sides', () => {
    expect(partitionSides(new Map([['a', 'A']])).ok).toBe(false);
    expect(
      partitionSides(
        new Map([
          ['b', 'A'],
          ['c', 'B'],
          ['a', 'A'],
          ['d', null],
        ]),
      ),
    ).toEqual({ ok: true, sides: [['a', 'b'], ['c']] });
    expect(nextSide(null)).toBe('A');
    expect(nextSide('A')).toBe('B');
    expect(nextSide('B')).toBeNull();
  });
});
