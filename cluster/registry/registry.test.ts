import { describe, expect, it } from 'vitest';
import { FakeClock } from '../fake-clock.ts';
import { FakeNet, settle } from './testing/fake-net.ts';
import type { NameConflictEvent } from './registry.ts';
import { startRegistry } from './start.ts';
import { judgeClaim, mergeCommitted, wins } from './table.ts';

function cluster(names: string[]) {
  const net = new FakeNet();
  const clock = new FakeClock(1_000);
  const conflicts: NameConflictEvent[] = [];
  const nodes = names.map((n) => net.add(n));
  const regs = nodes.map((node) => {
    const r = startRegistry(node, { clock });
    r.onNameConflict((e) => conflicts.push(e));
    return r;
  });
  net.meshAll();
  return { net, clock, nodes, regs, conflicts };
}

describe('registry rules', () => {
  it('registry rules — earlier registration wins, then lower node name', () => {
    expect(wins({ owner: 'b@h', at: 1 }, { owner: 'a@h', at: 2 })).toBe(true);
    expect(wins({ owner: 'a@h', at: 2 }, { owner: 'b@h', at: 2 })).toBe(true);
    expect(wins({ owner: 'b@h', at: 2 }, { owner: 'a@h', at: 2 })).toBe(false);
  });

  it('registry rules — a committed name rejects claims; a pending one yields to a lower node', () => {
    const committed = { name: 'x', owner: 'b@h', at: 1, state: 'committed' } as const;
    const pending = { ...committed, state: 'pending' } as const;
    expect(judgeClaim(committed, 'a@h')).toEqual({ accept: false, holder: 'b@h' });
    expect(judgeClaim(pending, 'a@h')).toEqual({ accept: true, displaced: pending });
    expect(judgeClaim(pending, 'c@h')).toEqual({ accept: false, holder: 'b@h' });
    expect(mergeCommitted(committed, { owner: 'c@h', at: 0 })).toEqual({
      kind: 'replace',
      loser: committed,
    });
    expect(mergeCommitted(committed, { owner: 'a@h', at: 5 })).toEqual({ kind: 'keep' });
  });
});

describe('registry on a fake network', () => {
  it('registry — a name registered on one node is visible on all', async () => {
    const { regs } = cluster(['a@h', 'b@h', 'c@h']);
    await settle();
    expect(await regs[1]!.register('svc')).toBe(true);
    await settle();
    expect(regs.map((r) => r.whereis('svc'))).toEqual(['b@h', 'b@h', 'b@h']);
    expect(regs[2]!.registered()).toEqual(['svc']);
    // one owner per name
    expect(await regs[0]!.register('svc')).toBe(false);
    expect(await regs[1]!.register('svc')).toBe(false);
  });

  it('registry — concurrent registrations of one name: exactly one wins', async () => {
    for (let round = 0; round < 5; round++) {
      const { regs } = cluster(['a@h', 'b@h', 'c@h', 'd@h']);
      await settle();
      const order = [...regs].sort(() => (round % 2 === 0 ? 1 : -1));
      const results = await Promise.all(order.map((r) => r.register('leader')));
      await settle();
      expect(results.filter(Boolean)).toHaveLength(1);
      const owners = new Set(regs.map((r) => r.whereis('leader')));
      expect(owners.size).toBe(1);
      expect([...owners][0]).toBeDefined();
    }
  });

  it('registry — unregister removes the name everywhere; only the owner can', async () => {
    const { regs } = cluster(['a@h', 'b@h']);
    await settle();
    await regs[0]!.register('svc');
    await settle();
    expect(regs[1]!.unregister('svc')).toBe(false);
    expect(regs[0]!.unregister('svc')).toBe(true);
    await settle();
    expect(regs.map((r) => r.whereis('svc'))).toEqual([undefined, undefined]);
  });

  it('registry — a name disappears when its owner goes down', async () => {
    const { net, regs } = cluster(['a@h', 'b@h', 'c@h']);
    await settle();
    await regs[2]!.register('svc');
    await settle();
    net.kill('c@h');
    expect(regs[0]!.whereis('svc')).toBeUndefined();
    expect(regs[1]!.whereis('svc')).toBeUndefined();
    expect(await regs[0]!.register('svc')).toBe(true);
  });

  it('registry — names are learned by a node that joins later', async () => {
    const net = new FakeNet();
    const a = startRegistry(net.add('a@h'));
    const b = startRegistry(net.add('b@h'));
    expect(await a.register('x')).toBe(true);
    expect(await b.register('y')).toBe(true);
    net.link('a@h', 'b@h');
    await settle();
    expect(a.registered()).toEqual(['x', 'y']);
    expect(b.whereis('x')).toBe('a@h');
  });

  it('registry — after a partition heals the earlier registration wins and the loser is told', async () => {
    const { net, clock, regs, conflicts } = cluster(['a@h', 'b@h', 'c@h']);
    await settle();
    net.partition(['a@h'], ['b@h', 'c@h']);
    // c registers first (earlier time) on its side, a later on its side
    expect(await regs[2]!.register('svc')).toBe(true);
    await clock.advanceAsync(10);
    expect(await regs[0]!.register('svc')).toBe(true);
    await settle();
    expect(regs.map((r) => r.whereis('svc'))).toEqual(['a@h', 'c@h', 'c@h']);
    net.meshAll();
    await settle();
    expect(regs.map((r) => r.whereis('svc'))).toEqual(['c@h', 'c@h', 'c@h']);
    expect(conflicts).toEqual([
      {
        event: 'name_conflict',
        name: 'svc',
        winner: 'c@h',
        loser: 'a@h',
        winnerAt: 1_000,
        loserAt: 1_010,
      },
    ]);
    expect(regs[0]!.stats().conflicts_lost).toBe(1);
  });

  it('registry — at equal times the lower node name wins the heal', async () => {
    const { net, regs, conflicts } = cluster(['a@h', 'b@h']);
    await settle();
    net.partition(['a@h'], ['b@h']);
    await regs[1]!.register('svc');
    await regs[0]!.register('svc');
    net.meshAll();
    await settle();
    expect(regs.map((r) => r.whereis('svc'))).toEqual(['a@h', 'a@h']);
    expect(conflicts.map((c) => [c.winner, c.loser])).toEqual([['a@h', 'b@h']]);
  });

  it('registry — remsh handlers answer registered and whereis', async () => {
    const { nodes, regs } = cluster(['a@h', 'b@h']);
    await settle();
    await regs[0]!.register('svc');
    await settle();
    expect(await nodes[1]!.invoke('x@h', 'registry.registered', null)).toEqual([
      { name: 'svc', node: 'a@h', at: 1_000 },
    ]);
    expect(await nodes[1]!.invoke('x@h', 'registry.whereis', 'svc')).toBe('a@h');
    expect(await nodes[1]!.invoke('x@h', 'registry.whereis', { name: 'nope' })).toBeNull();
  });
});
