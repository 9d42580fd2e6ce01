/**
 * Connected components of an undirected graph, largest first (ties by first name), each sorted:
 * the partition "sides" of a cluster whose edges are the links both ends report up.
 */
export function connectedComponents(
  vertices: readonly string[],
  edges: readonly (readonly [string, string])[],
): string[][] {
  const parent = new Map<string, string>(vertices.map((v) => [v, v]));
  const find = (v: string): string => {
    let root = v;
    while (parent.get(root) !== root) root = parent.get(root)!;
    // Path compression keeps repeated finds cheap on large meshes.
    let cur = v;
    while (cur !== root) {
      const next = parent.get(cur)!;
      parent.set(cur, root);
      cur = next;
    }
    return root;
  };
  for (const [a, b] of edges) {
    if (!parent.has(a) || !parent.has(b)) continue;
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
  const groups = new Map<string, string[]>();
  for (const v of vertices) {
    const r = find(v);
    const g = groups.get(r) ?? [];
    g.push(v);
    groups.set(r, g);
  }
  return [...groups.values()]
    .map((g) => [...new Set(g)].sort())
    .sort((x, y) => y.length - x.length || (x[0]! < y[0]! ? -1 : 1));
}
