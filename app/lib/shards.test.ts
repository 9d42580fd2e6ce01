import { describe, expect, it } from 'vitest';
import { event, shard } from './testing/fixtures.ts';
import { movesOverTime, shardsPerOwner, shardTitle } from './shards.ts';

const move = (at: number, node: string, s: number, epoch: number, to: string) =>
  event(at, node, { type: 'ownership', at, shard: s, from: null, to, epoch });

describe('shards', () => {
  it('shards — counts shards per owner with unowned last', () => {
    const counts = shardsPerOwner([shard(0, 'b'), shard(1, null), shard(2, 'a'), shard(3, 'b')]);
    expect([...counts]).toEqual([
      ['a', 1],
      ['b', 2],
      [null, 1],
    ]);
  });

  it('shards — a move reported by several nodes counts once, in its bucket, with empty buckets kept', () => {
    const buckets = movesOverTime(
      [
        move(1_500, 'a', 3, 2, 'b'),
        move(1_600, 'b', 3, 2, 'b'),
        event(1_700, 'b', { type: 'lease', at: 1_700, action: 'acquired', shard: 3, epoch: 2 }),
        event(3_100, 'a', { type: 'lease', at: 3_100, action: 'acquired', shard: 4, epoch: 1 }),
        event(3_200, 'a', { type: 'lease', at: 3_200, action: 'renewed', shard: 4, epoch: 1 }),
      ],
      1_000,
      4_000,
      1_000,
    );
    expect(buckets).toEqual([
      { t: 1_000, moves: 1 },
      { t: 2_000, moves: 0 },
      { t: 3_000, moves: 1 },
    ]);
  });

  it('shards — the title names the epoch and both claimants of a conflict', () => {
    const title = shardTitle(
      shard(7, 'a', {
        epoch: 4,
        conflict: true,
        claimants: [
          { node: 'a', role: 'owner', epoch: 4 },
          { node: 'b', role: 'owner', epoch: 3 },
        ],
      }),
    );
    expect(title).toContain('epoch 4');
    expect(title).toContain('CONFLICT: a and b');
  });
});
