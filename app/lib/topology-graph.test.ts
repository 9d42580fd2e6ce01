import { describe, expect, it } from 'vitest';
import type { ModelLink } from '../../protocol/model.ts';
import { LINK_COLORS } from './colors.ts';
import { model, node } from './testing/fixtures.ts';
import { buildTopology } from './topology.ts';
import { diffElements, graphElements, NODE_FILL } from './topology-graph.ts';

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

/** A full mesh of `n` nodes, every link up. */
function mesh(n: number, change: (l: ModelLink) => ModelLink = (l) => l) {
  const names = Array.from({ length: n }, (_, i) => `n${i + 1}@h`);
  const links: ModelLink[] = [];
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const [a, b] = [names[i]!, names[j]!].sort() as [string, string];
      links.push(change(link(a, b)));
    }
  return model({ nodes: names.map((name) => node(name)), links });
}

const draw = (m: ReturnType<typeof mesh>, viewer: string | null = null) =>
  graphElements(buildTopology(m, [], { size: 640, viewer }), { viewer, selected: null, size: 640 });

describe('topology graph', () => {
  it('topology graph — 100 nodes give 4,950 translucent links; a problem link is drawn on top in its colour', () => {
    const g = draw(
      mesh(100, (l) => (l.a === 'n1@h' && l.b === 'n2@h' ? { ...l, state: 'asymmetric' } : l)),
    );
    expect(g.nodes).toHaveLength(100);
    expect(g.edges).toHaveLength(4_950);
    const problems = g.edges.filter((e) => e.problem);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      source: 'n1@h',
      target: 'n2@h',
      color: LINK_COLORS.asymmetric,
    });
    expect(problems[0]!.opacity).toBeGreaterThan(0.9);
    const healthy = g.edges.find((e) => !e.problem)!;
    expect(healthy.opacity).toBeLessThan(0.5);
    expect(healthy.color).toBe(LINK_COLORS.up);
  });

  it('topology graph — node colours follow status, labels sit outside the circle', () => {
    const m = mesh(4);
    const down = {
      ...m,
      nodes: m.nodes.map((n) => (n.name === 'n2@h' ? { ...n, status: 'down' as const } : n)),
    };
    const g = draw(down);
    expect(g.nodes.find((n) => n.id === 'n2@h')?.color).toBe(NODE_FILL.down);
    expect(g.nodes.find((n) => n.id === 'n1@h')?.color).toBe(NODE_FILL.up);
    // n1 is at the top of the circle: its label goes up.
    const top = g.nodes.find((n) => n.id === 'n1@h')!;
    expect(top.ly).toBeLessThan(0);
    expect(Math.abs(top.lx)).toBeLessThan(1);
  });

  it('topology graph — as seen by a node: its spokes only, peers it does not list faded', () => {
    const m = mesh(5);
    const viewed = {
      ...m,
      nodes: m.nodes.map((n) =>
        n.name === 'n1@h' ? { ...n, view: { nodes: ['n2@h', 'n3@h'], hidden: [] } } : n,
      ),
    };
    const g = draw(viewed, 'n1@h');
    expect(g.edges).toHaveLength(4);
    expect(g.edges.filter((e) => e.problem)).toHaveLength(2);
    expect(g.nodes.find((n) => n.id === 'n4@h')?.opacity).toBeLessThan(1);
    expect(g.nodes.find((n) => n.id === 'n1@h')?.viewer).toBe(true);
  });

  it('topology graph — the diff of two drawings names only what changed', () => {
    const before = draw(mesh(10));
    const after = draw(mesh(10, (l) => (l.a === 'n3@h' ? { ...l, state: 'down' } : l)));
    const edges = diffElements(before.edges, after.edges);
    expect(edges.add).toEqual([]);
    expect(edges.remove).toEqual([]);
    expect(edges.update.map((e) => e.id).sort()).toEqual(
      before.edges
        .filter((e) => e.source === 'n3@h')
        .map((e) => e.id)
        .sort(),
    );
    expect(diffElements(before.nodes, after.nodes).update).toEqual([]);
    const smaller = draw(mesh(9));
    const shrink = diffElements(before.nodes, smaller.nodes);
    expect(shrink.remove).toEqual(['n10@h']);
    // positions move on a smaller circle: every remaining node updates
    expect(shrink.update).toHaveLength(9);
    expect(diffElements([], smaller.nodes).add).toHaveLength(9);
  });
});
