/** The partition builder's state: which side each node is on, and the request it makes. */

export type Side = 'A' | 'B' | null;

/** Sides for `POST /api/control/partition`, or the reason the builder cannot submit yet. */
export function partitionSides(
  assignment: ReadonlyMap<string, Side>,
): { ok: true; sides: [string[], string[]] } | { ok: false; reason: string } {
  const a: string[] = [];
  const b: string[] = [];
  for (const [node, side] of [...assignment].sort(([x], [y]) => (x < y ? -1 : 1))) {
    if (side === 'A') a.push(node);
    if (side === 'B') b.push(node);
  }
  if (a.length === 0 || b.length === 0) {
    return { ok: false, reason: 'Put at least one node on each side.' };
  }
  return { ok: true, sides: [a, b] };
}

/** Cycles a node through no side → A → B → no side. */
export function nextSide(side: Side): Side {
  return side === null ? 'A' : side === 'A' ? 'B' : null;
}
