import { describe, expect, it } from 'vitest';
import { MeshProgress } from './mesh-progress.ts';
import {
  LAB_SHARD_MEMBERS_MAX,
  labSeedIndexes,
  labShardMembers,
  labTicktimeMs,
  labWorkloadRate,
} from './scale.ts';

describe('lab scale', () => {
  it('lab scale — ticktime is 4 s for small labs and grows linearly past 40 nodes', () => {
    expect(labTicktimeMs(5)).toBe(4_000);
    expect(labTicktimeMs(40)).toBe(4_000);
    expect(labTicktimeMs(100)).toBe(10_000);
    // Ticks per second of an idle mesh, N(N-1)·4/ticktime, grow linearly once it scales.
    const ticks = (n: number) => (n * (n - 1) * 4) / (labTicktimeMs(n) / 1000);
    expect(ticks(100) / ticks(50)).toBeLessThan(2.1);
  });

  it('lab scale — small labs seed every node with every other, larger ones with the nodes before it', () => {
    expect(labSeedIndexes(0, 5)).toEqual([1, 2, 3, 4]);
    expect(labSeedIndexes(2, 5)).toEqual([0, 1, 3, 4]);
    expect(labSeedIndexes(0, 100)).toEqual([]);
    expect(labSeedIndexes(3, 100)).toEqual([0, 1, 2]);
    // Every pair is one node's seed, so a lost link is redialled.
    for (let i = 0; i < 20; i++)
      for (let j = 0; j < i; j++)
        expect(labSeedIndexes(i, 20).includes(j) || labSeedIndexes(j, 20).includes(i)).toBe(true);
  });

  it('lab scale — the demo workload keeps its total rate and at most 16 shard members', () => {
    expect(labShardMembers(5)).toBe(5);
    expect(labShardMembers(100)).toBe(LAB_SHARD_MEMBERS_MAX);
    expect(labWorkloadRate(5)).toBe(20);
    expect(labWorkloadRate(16)).toBe(6);
    expect(labWorkloadRate(1_000)).toBe(1);
  });
});

describe('lab mesh progress', () => {
  const names = ['a@h', 'b@h', 'c@h'];
  const up = (node: string, hidden = false) => JSON.stringify({ event: 'nodeup', node, hidden });
  const down = (node: string) => JSON.stringify({ event: 'nodedown', node, hidden: false });
  const listening = JSON.stringify({ event: 'listening', node: 'x' });

  it('mesh progress — counts listening nodes, links seen from both ends and full views', () => {
    const m = new MeshProgress(names);
    for (const n of names) m.line(n, listening);
    expect(m.counts()).toEqual({ listening: 3, meshed: 0, links: 0, total: 3 });
    m.line('a@h', up('b@h'));
    expect(m.counts().links).toBe(0); // one end only
    m.line('b@h', up('a@h'));
    expect(m.counts().links).toBe(1);
    m.line('a@h', up('c@h'));
    m.line('c@h', up('a@h'));
    m.line('b@h', up('c@h'));
    expect(m.complete()).toBe(false);
    m.line('c@h', up('b@h'));
    expect(m.counts()).toEqual({ listening: 3, meshed: 3, links: 3, total: 3 });
    expect(m.complete()).toBe(true);
    m.line('a@h', down('b@h'));
    expect(m.counts()).toMatchObject({ meshed: 2, links: 2 });
    m.exited('c@h');
    // b still lists a and c until it hears otherwise: meshed as far as it can tell.
    expect(m.counts()).toMatchObject({ listening: 2, meshed: 1, links: 0 });
  });

  it('mesh progress — ignores hidden peers, strangers, other lines and garbage', () => {
    const m = new MeshProgress(names);
    expect(m.line('a@h', up('remsh@h', false))).toBe(false);
    expect(m.line('a@h', up('b@h', true))).toBe(false);
    expect(m.line('a@h', 'info something')).toBe(false);
    expect(m.line('a@h', '{not json')).toBe(false);
    expect(m.line('z@h', up('a@h'))).toBe(false);
    expect(m.counts()).toEqual({ listening: 0, meshed: 0, links: 0, total: 3 });
  });
});
