import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode } from '../api.ts';
import { closeAll, startNodes, targetOf, until } from '../testing/index.ts';
import type { GlobalRegistry, NameConflictEvent } from './registry.ts';
import { startRegistry } from './start.ts';

let nodes: ClusterNode[] = [];
afterEach(() => closeAll(nodes));

async function meshOf(n: number, ticktimeMs = 60_000) {
  nodes = await startNodes(n, { ticktimeMs }, 'reg');
  const regs = nodes.map((node) => startRegistry(node));
  for (const other of nodes.slice(1)) expect(await nodes[0]!.connect(targetOf(other))).toBe(true);
  await until(() => nodes.every((x) => x.nodes().length === n - 1), 5_000, 'full mesh');
  return regs;
}

describe('registry on real nodes', () => {
  it('registry — register, whereis on every node, one owner, unregister', async () => {
    const regs = await meshOf(3);
    expect(await regs[0]!.register('svc')).toBe(true);
    await until(
      () => regs.every((r) => r.whereis('svc') === nodes[0]!.name),
      2_000,
      'svc everywhere',
    );
    expect(await regs[2]!.register('svc')).toBe(false);
    expect(await nodes[2]!.call(nodes[1]!.name, 'registry.whereis', 'svc')).toBe(nodes[0]!.name);
    expect(regs[0]!.unregister('svc')).toBe(true);
    await until(() => regs.every((r) => r.whereis('svc') === undefined), 2_000, 'svc gone');
  });

  it('registry — concurrent registrations on real nodes: exactly one wins', async () => {
    const regs = await meshOf(3);
    const results = await Promise.all(regs.map((r) => r.register('leader')));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = nodes[results.indexOf(true)]!.name;
    await until(() => regs.every((r) => r.whereis('leader') === winner), 2_000, 'agreement');
  });

  it('registry — a name disappears when its owner node closes', async () => {
    const regs = await meshOf(3);
    await regs[2]!.register('svc');
    await until(() => regs[0]!.whereis('svc') !== undefined, 2_000, 'svc known');
    await nodes[2]!.close();
    await until(
      () => regs[0]!.whereis('svc') === undefined && regs[1]!.whereis('svc') === undefined,
      2_000,
      'svc gone',
    );
  });

  it('registry — heal after a blackhole partition: one owner, the loser gets name_conflict', async () => {
    const regs: GlobalRegistry[] = await meshOf(3, 400);
    const [a, b, c] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    const conflicts: NameConflictEvent[][] = regs.map(() => []);
    regs.forEach((r, i) => r.onNameConflict((e) => conflicts[i]!.push(e)));
    // cut a away from b and c (in both directions), as a real network partition would
    for (const [x, y] of [
      [a, b],
      [a, c],
      [b, a],
      [c, a],
    ] as const)
      x.faults.blackhole(y.name);
    await until(
      () => a.nodes().length === 0 && b.nodes().length === 1 && c.nodes().length === 1,
      5_000,
      'partition',
    );
    expect(await regs[2]!.register('svc')).toBe(true);
    await new Promise((r) => setTimeout(r, 5));
    expect(await regs[0]!.register('svc')).toBe(true);
    expect(regs[0]!.whereis('svc')).toBe(a.name);
    await until(() => regs[1]!.whereis('svc') === c.name, 2_000, 'b learns c');
    for (const x of nodes) x.faults.clear();
    expect(await a.connect(targetOf(b))).toBe(true);
    await until(() => nodes.every((x) => x.nodes().length === 2), 5_000, 'healed mesh');
    // c registered first, so c keeps the name everywhere; a is told
    await until(() => regs.every((r) => r.whereis('svc') === c.name), 3_000, 'conflict resolved');
    expect(conflicts[0]).toEqual([
      expect.objectContaining({
        event: 'name_conflict',
        name: 'svc',
        winner: c.name,
        loser: a.name,
      }),
    ]);
    expect(conflicts[1]).toEqual([]);
    expect(conflicts[2]).toEqual([]);
  });
});
