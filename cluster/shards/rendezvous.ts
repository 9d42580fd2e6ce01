import { fnv1a32 } from './hash.ts';

/**
 * Shard → owner by rendezvous (highest random weight) hashing: every member gets a weight per
 * shard and the heaviest wins. Removing a member moves exactly the shards it owned; adding one
 * moves exactly the shards it now wins (about shardCount/N), and no shard moves between two
 * members that stayed. The weight is FNV-1a of `${shard}/${member}` passed through murmur3's
 * 32-bit finalizer, because raw FNV-1a of strings that differ only in their last bytes is poorly
 * mixed in the high bits.
 */

/** murmur3 fmix32: full avalanche of a 32-bit value */
function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The rendezvous weight of `member` for `shard`. */
export function weight(shard: number, member: string): number {
  return fmix32(fnv1a32(`${shard}/${member}`));
}

/** The owner of `shard` among `members` (null when there are none); ties go to the smaller name. */
export function ownerOf(shard: number, members: readonly string[]): string | null {
  let best: string | null = null;
  let bestWeight = -1;
  for (const m of members) {
    const w = weight(shard, m);
    if (w > bestWeight || (w === bestWeight && best !== null && m < best)) {
      best = m;
      bestWeight = w;
    }
  }
  return best;
}

/** The owner of every shard, indexed by shard. */
export function assignShards(shardCount: number, members: readonly string[]): (string | null)[] {
  const unique = [...new Set(members)];
  const out: (string | null)[] = [];
  for (let s = 0; s < shardCount; s++) out.push(ownerOf(s, unique));
  return out;
}

/**
 * A balanced first choice per shard for the configured members: bounded-load rendezvous (each
 * shard in turn goes to its heaviest member still under its quota of floor/ceil(shardCount/N)). Plain
 * rendezvous gives a member a binomial share (for 64 shards on 5 nodes often 18 or more); this
 * gives every configured member floor or ceil of shardCount/N.
 */
export function preferredOwners(shardCount: number, configured: readonly string[]): string[] {
  const unique = [...new Set(configured)].sort();
  if (unique.length === 0) return [];
  // exact quotas: `extra` members may hold floor+1, the rest floor, so capacity equals shardCount
  const floor = Math.floor(shardCount / unique.length);
  let extra = shardCount % unique.length;
  const load = new Map<string, number>(unique.map((m) => [m, 0]));
  const out: string[] = [];
  for (let s = 0; s < shardCount; s++) {
    const ranked = [...unique].sort((a, b) => weight(s, b) - weight(s, a) || (a < b ? -1 : 1));
    const fits = (m: string): boolean => {
      const l = load.get(m) ?? 0;
      return l < floor || (l === floor && extra > 0);
    };
    const pick = ranked.find(fits) ?? ranked[0]!;
    const l = load.get(pick) ?? 0;
    if (l === floor) extra--;
    load.set(pick, l + 1);
    out.push(pick);
  }
  return out;
}

/**
 * The shard map: each shard ranks members as "its preferred configured member first, then
 * everyone by rendezvous weight", and the owner among the visible members is the first in that
 * ranking. Because the ranking of a shard never depends on who is visible, a member's loss moves
 * exactly its shards and its return moves exactly them back (ceil(shardCount/N) at most with
 * all configured members up). Members outside the configured list rank by weight only.
 */
export class ShardMap {
  readonly shardCount: number;
  private readonly preferred: string[];

  constructor(shardCount: number, configured: readonly string[] = []) {
    this.shardCount = shardCount;
    this.preferred = preferredOwners(shardCount, configured);
  }

  /** The owner of `shard` among `visible` (null when nobody is visible). */
  ownerOf(shard: number, visible: readonly string[]): string | null {
    const first = this.preferred[shard];
    if (first !== undefined && visible.includes(first)) return first;
    return ownerOf(shard, visible);
  }

  /** The owner of every shard among `visible`, indexed by shard. */
  assign(visible: readonly string[]): (string | null)[] {
    const unique = [...new Set(visible)];
    const out: (string | null)[] = [];
    for (let s = 0; s < this.shardCount; s++) out.push(this.ownerOf(s, unique));
    return out;
  }
}

/** Shards whose owner differs between two assignments. */
export function movedShards(
  before: readonly (string | null)[],
  after: readonly (string | null)[],
): number[] {
  const moved: number[] = [];
  const n = Math.max(before.length, after.length);
  for (let s = 0; s < n; s++) if (before[s] !== after[s]) moved.push(s);
  return moved;
}

/**
 * The fewest shards any assignment must move between two member sets: the shards of members
 * that left, plus the fair share of each member that joined (shardCount/N, rounded down).
 */
export function optimalMoves(
  before: readonly (string | null)[],
  beforeMembers: readonly string[],
  afterMembers: readonly string[],
): number {
  const after = new Set(afterMembers);
  const prev = new Set(beforeMembers);
  let lost = 0;
  for (const owner of before) if (owner === null || !after.has(owner)) lost++;
  const joined = afterMembers.filter((m) => !prev.has(m)).length;
  const fair = after.size === 0 ? 0 : Math.floor(before.length / after.size);
  return lost + joined * fair;
}
