import { describe, expect, it } from 'vitest';
import {
  assignShards,
  movedShards,
  optimalMoves,
  ownerOf,
  ShardMap,
  weight,
} from './rendezvous.ts';

const members = (n: number): string[] => Array.from({ length: n }, (_, i) => `n${i + 1}@127.0.0.1`);

describe('shards/rendezvous — highest random weight', () => {
  it('shards/rendezvous — owner is the heaviest member and independent of member order', () => {
    const ms = members(5);
    for (let s = 0; s < 64; s++) {
      const owner = ownerOf(s, ms);
      const heaviest = [...ms].sort((a, b) => weight(s, b) - weight(s, a))[0];
      expect(owner).toBe(heaviest);
      expect(ownerOf(s, [...ms].reverse())).toBe(owner);
    }
    expect(ownerOf(3, [])).toBeNull();
  });

  it('shards/rendezvous — losing a member moves exactly its shards', () => {
    for (const n of [2, 3, 5, 7]) {
      const ms = members(n);
      const before = assignShards(64, ms);
      for (const gone of ms) {
        const rest = ms.filter((m) => m !== gone);
        const after = assignShards(64, rest);
        const moved = movedShards(before, after);
        const owned = before.flatMap((o, s) => (o === gone ? [s] : []));
        expect(moved).toEqual(owned);
        expect(moved.length).toBe(optimalMoves(before, ms, rest));
      }
    }
  });

  it('shards/rendezvous — a join moves only shards the newcomer wins, about shardCount/N', () => {
    let total = 0;
    let joins = 0;
    for (const n of [3, 5]) {
      for (let trial = 0; trial < 20; trial++) {
        const ms = Array.from({ length: n - 1 }, (_, i) => `m${trial}-${i}@127.0.0.1`);
        const joiner = `j${trial}@127.0.0.1`;
        const before = assignShards(64, ms);
        const after = assignShards(64, [...ms, joiner]);
        const moved = movedShards(before, after);
        // every moved shard went to the joiner: none moved between members that stayed
        for (const s of moved) expect(after[s]).toBe(joiner);
        expect(moved.length).toBe(after.filter((o) => o === joiner).length);
        total += moved.length / (64 / n);
        joins++;
      }
    }
    // on average a join moves its fair share (binomial spread per join, mean close to 1)
    expect(total / joins).toBeGreaterThan(0.8);
    expect(total / joins).toBeLessThan(1.2);
  });

  it('shards/rendezvous — plain rendezvous alone is unbalanced for 64 shards on 5 nodes', () => {
    // documents why ShardMap adds a balanced first choice
    const counts = members(5).map(
      (m) => assignShards(64, members(5)).filter((o) => o === m).length,
    );
    expect(Math.max(...counts)).toBeGreaterThan(Math.floor(64 / 5) + 2);
  });
});

describe('shards/rendezvous — ShardMap over configured members', () => {
  it('shards/rendezvous — all configured members up gives floor or ceil of shardCount/N each', () => {
    for (const [n, count] of [
      [3, 64],
      [5, 64],
      [5, 16],
      [7, 100],
    ] as const) {
      const map = new ShardMap(count, members(n));
      const owners = map.assign(members(n));
      for (const m of members(n)) {
        const c = owners.filter((o) => o === m).length;
        expect(c).toBeGreaterThanOrEqual(Math.floor(count / n));
        expect(c).toBeLessThanOrEqual(Math.ceil(count / n));
      }
    }
  });

  it('shards/rendezvous — a loss moves exactly its shards, a return at most shardCount/N + 2', () => {
    for (const n of [3, 5]) {
      const ms = members(n);
      const map = new ShardMap(64, ms);
      const full = map.assign(ms);
      for (const gone of ms) {
        const rest = ms.filter((m) => m !== gone);
        const without = map.assign(rest);
        const lost = movedShards(full, without);
        expect(lost).toEqual(full.flatMap((o, s) => (o === gone ? [s] : [])));
        for (const s of lost) expect(rest).toContain(without[s]);
        const back = movedShards(without, full);
        expect(back).toEqual(lost);
        expect(back.length).toBeLessThanOrEqual(Math.floor(64 / n) + 2);
      }
    }
  });

  it('shards/rendezvous — any two visible sets differ only on shards of members that differ', () => {
    const ms = members(5);
    const map = new ShardMap(64, ms);
    const a = map.assign([ms[0]!, ms[1]!, ms[2]!]);
    const b = map.assign([ms[0]!, ms[1]!, ms[2]!, ms[3]!]);
    for (const s of movedShards(a, b)) expect(b[s]).toBe(ms[3]);
    expect(map.assign([])).toEqual(new Array(64).fill(null));
  });

  it('shards/rendezvous — an unconfigured member only takes shards no configured member can', () => {
    const map = new ShardMap(32, ['a', 'b']);
    expect(map.assign(['a', 'b', 'x']).includes('x')).toBe(false);
    expect(map.assign(['x'])).toEqual(new Array(32).fill('x'));
  });

  it('shards/rendezvous — duplicate members do not change the assignment', () => {
    expect(assignShards(16, ['a', 'b', 'a'])).toEqual(assignShards(16, ['a', 'b']));
  });
});
