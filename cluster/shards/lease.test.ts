import { afterEach, describe, expect, it } from 'vitest';
import { LeaseManager, type LeaseOptions } from './lease.ts';
import { LeaseGrantor, parseLeaseRequest } from './lease-grantor.ts';
import { ShardMap } from './rendezvous.ts';
import { openSqliteStore } from './store/sqlite.ts';
import type { FencedStore } from './store/types.ts';
import { FakeClock } from '../fake-clock.ts';
import { FakeNet } from './testing/fake-net.ts';
import { BadArgumentError, HandoffTimeoutError } from './errors.ts';

const LEASE = 3_000;
const MARGIN = 500;
const SHARDS = 12;

interface Lab {
  clock: FakeClock;
  net: FakeNet;
  store: FencedStore;
  managers: Map<string, LeaseManager>;
  map: ShardMap;
  names: string[];
}

const labs: Lab[] = [];
afterEach(async () => {
  for (const lab of labs.splice(0)) await lab.store.close();
});

function lab(n: number, extra: Partial<LeaseOptions> = {}): Lab {
  const clock = new FakeClock(1_000_000);
  const net = new FakeNet(clock);
  const store = openSqliteStore(':memory:');
  const names = Array.from({ length: n }, (_, i) => `n${i + 1}@h`);
  const map = new ShardMap(SHARDS, names);
  const managers = new Map<string, LeaseManager>();
  for (const name of names) net.add(name);
  for (const name of names) {
    const m = new LeaseManager(net.nodes.get(name)!, {
      members: names,
      store,
      clock,
      leaseMs: LEASE,
      driftMarginMs: MARGIN,
      grantorQuarantineMs: 0,
      ...extra,
    });
    managers.set(name, m);
  }
  const l = { clock, net, store, managers, map, names };
  labs.push(l);
  return l;
}

/** each manager wants the shards the map gives it among the members it sees */
function wantOwned(l: Lab): void {
  for (const [name, m] of l.managers) {
    const visible = [name, ...l.net.nodes.get(name)!.nodes()];
    const owners = l.map.assign(visible);
    m.want(owners.flatMap((o, s) => (o === name ? [s] : [])));
  }
}

/** the single-writer invariant at this instant: at most one valid lease per shard */
function holders(l: Lab, shard: number): string[] {
  return [...l.managers].filter(([, m]) => m.tokenFor(shard) !== null).map(([n]) => n);
}

/** advances time in 10 ms steps, checking the invariant at every step */
async function run(l: Lab, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 10) {
    await l.clock.advanceAsync(10, 10);
    for (let s = 0; s < SHARDS; s++) {
      const h = holders(l, s);
      if (h.length > 1) throw new Error(`shard ${s} held by ${h.join(', ')} at ${l.clock.now()}`);
    }
  }
}

describe('shards/lease — grantor', () => {
  it('shards/lease — refuses another holder while a grant is unexpired, renews the same one', () => {
    const clock = new FakeClock(1_000_000);
    const g = new LeaseGrantor(clock, 1_000, 0);
    const req = { op: 'grant' as const, shards: [1, 2], durationMs: 1_000 };
    expect(g.grant('a', req)).toEqual({ granted: [1, 2], refused: [] });
    expect(g.grant('b', { ...req, shards: [2, 3] })).toEqual({ granted: [3], refused: [2] });
    expect(g.grant('a', req).granted).toEqual([1, 2]);
    clock.jump(999);
    expect(g.grant('b', req).refused).toEqual([1, 2]);
    clock.jump(1);
    expect(g.grant('b', req).granted).toEqual([1, 2]);
  });

  it('shards/lease — a release frees only the releaser’s own grants', () => {
    const g = new LeaseGrantor(new FakeClock(1_000_000), 1_000, 0);
    g.grant('a', { op: 'grant', shards: [1], durationMs: 1_000 });
    expect(g.release('b', [1])).toEqual([]);
    expect(g.release('a', [1])).toEqual([1]);
    expect(g.grant('b', { op: 'grant', shards: [1], durationMs: 1_000 }).granted).toEqual([1]);
  });

  it('shards/lease — a grant lasts at least the grantor’s own lease, and nothing is granted in quarantine', () => {
    const clock = new FakeClock(1_000_000);
    const g = new LeaseGrantor(clock, 1_000, 500);
    expect(g.grant('a', { op: 'grant', shards: [1], durationMs: 10 }).refused).toEqual([1]);
    clock.jump(500);
    g.grant('a', { op: 'grant', shards: [1], durationMs: 10 });
    clock.jump(900);
    expect(g.grant('b', { op: 'grant', shards: [1], durationMs: 10 }).refused).toEqual([1]);
    expect(g.list().map((x) => x.holder)).toEqual(['a']);
  });

  it('shards/lease — malformed requests are BadArgumentError', () => {
    expect(() => parseLeaseRequest('x')).toThrow(BadArgumentError);
    expect(() => parseLeaseRequest({ op: 'steal', shards: [] })).toThrow(BadArgumentError);
    expect(() => parseLeaseRequest({ op: 'grant', shards: [-1], durationMs: 5 })).toThrow(
      BadArgumentError,
    );
    expect(() => parseLeaseRequest({ op: 'grant', shards: [1], durationMs: -5 })).toThrow(
      BadArgumentError,
    );
    expect(parseLeaseRequest({ op: 'release', shards: [1] })).toEqual({
      op: 'release',
      shards: [1],
    });
  });
});

describe('shards/lease — majority leases on fake time', () => {
  it('shards/lease — every shard gets exactly one holder with an epoch from the store', async () => {
    const l = lab(3);
    wantOwned(l);
    for (const m of l.managers.values()) m.start();
    await run(l, 500);
    const owners = l.map.assign(l.names);
    for (let s = 0; s < SHARDS; s++) {
      expect(holders(l, s)).toEqual([owners[s]]);
      expect(l.managers.get(owners[s]!)!.tokenFor(s)).toBe(await l.store.epochOf(s));
    }
    // renewals keep the leases (and the epochs) for many lease periods
    await run(l, LEASE * 4);
    for (let s = 0; s < SHARDS; s++) expect(l.managers.get(owners[s]!)!.tokenFor(s)).toBe(1);
  });

  it('shards/lease — a minority side loses its leases within one lease period', async () => {
    const l = lab(3);
    wantOwned(l);
    for (const m of l.managers.values()) m.start();
    await run(l, 500);
    const [a, b, c] = l.names as [string, string, string];
    const aShards = l.map.assign(l.names).flatMap((o, s) => (o === a ? [s] : []));
    expect(aShards.length).toBeGreaterThan(0);
    l.net.partition([a], [b, c]);
    await run(l, LEASE);
    for (const s of aShards) expect(l.managers.get(a)!.tokenFor(s)).toBeNull();
  });

  it('shards/lease — the majority takes over only after the old lease expired, with a higher epoch', async () => {
    const l = lab(3);
    wantOwned(l);
    for (const m of l.managers.values()) m.start();
    await run(l, 500);
    const [a, b, c] = l.names as [string, string, string];
    const aShards = l.map.assign(l.names).flatMap((o, s) => (o === a ? [s] : []));
    const cutAt = l.clock.now();
    l.net.partition([a], [b, c]);
    l.net.detect(); // the majority sees a down at once: worst case for safety
    wantOwned(l);
    let takenAt = 0;
    for (let t = 0; t < LEASE * 3 && takenAt === 0; t += 10) {
      await run(l, 10);
      if (aShards.every((s) => holders(l, s).length === 1 && !holders(l, s).includes(a)))
        takenAt = l.clock.now();
    }
    expect(takenAt).toBeGreaterThan(0);
    // the old grants could be at most one renew interval old at the cut
    expect(takenAt - cutAt).toBeGreaterThanOrEqual(LEASE - 1_000);
    for (const s of aShards) expect(await l.store.epochOf(s)).toBe(2);
    // heal: a sees everyone again and, not owning more shards than before, stays without leases
    l.net.heal();
    wantOwned(l);
    await run(l, LEASE * 2);
    for (const s of aShards) expect(holders(l, s)).toHaveLength(1);
  });

  it('shards/lease — a release lets the next owner in before the lease would expire', async () => {
    const l = lab(3);
    wantOwned(l);
    for (const m of l.managers.values()) m.start();
    await run(l, 500);
    const [a, b] = l.names as [string, string];
    const shard = l.map.assign(l.names).indexOf(a);
    await l.managers.get(a)!.release(shard);
    l.managers.get(b)!.want([shard]);
    await run(l, 500);
    expect(holders(l, shard)).toEqual([b]);
    expect(l.managers.get(b)!.tokenFor(shard)).toBe(2);
  });

  it('shards/lease — a wall clock jump of ±1 h neither cuts a lease nor stretches one', async () => {
    const HOUR = 3_600_000;
    const l = lab(3);
    wantOwned(l);
    for (const m of l.managers.values()) m.start();
    await run(l, 500);
    const [a, b, c] = l.names as [string, string, string];
    const aShards = l.map.assign(l.names).flatMap((o, s) => (o === a ? [s] : []));
    expect(aShards.length).toBeGreaterThan(0);
    const held = () => aShards.map((s) => l.managers.get(a)!.tokenFor(s));
    // forward: the leases stay valid and keep being renewed, the epochs unchanged
    l.clock.jumpWall(HOUR);
    expect(held()).toEqual(aShards.map(() => 1));
    await run(l, LEASE * 2);
    expect(held()).toEqual(aShards.map(() => 1));
    // backward, then cut off from the majority: the leases still end within one lease period
    l.clock.jumpWall(-2 * HOUR);
    l.net.partition([a], [b, c]);
    await run(l, LEASE);
    expect(held()).toEqual(aShards.map(() => null));
  });

  it('shards/lease — a paused holder whose clock jumped past its lease serves nothing', async () => {
    const l = lab(3);
    wantOwned(l);
    for (const m of l.managers.values()) m.start();
    await run(l, 500);
    const a = l.names[0]!;
    const shard = l.map.assign(l.names).indexOf(a);
    expect(l.managers.get(a)!.tokenFor(shard)).not.toBeNull();
    l.clock.jump(LEASE); // no timer ran: the process was stopped
    expect(l.managers.get(a)!.tokenFor(shard)).toBeNull();
  });

  it('shards/lease — the store fencing a lease drops it and a new epoch is taken', async () => {
    const l = lab(3);
    wantOwned(l);
    for (const m of l.managers.values()) m.start();
    await run(l, 500);
    const a = l.names[0]!;
    const shard = l.map.assign(l.names).indexOf(a);
    const m = l.managers.get(a)!;
    m.fenced(shard, 5);
    expect(m.tokenFor(shard)).toBeNull();
    await run(l, 500);
    expect(m.tokenFor(shard)).toBe(2);
  });

  it('shards/lease — a restarted grantor cannot hand a live lease to a second holder', async () => {
    const l = lab(3, { grantorQuarantineMs: LEASE + MARGIN });
    await run(l, LEASE + MARGIN); // initial quarantine
    const [a, b, c] = l.names as [string, string, string];
    const shard = 0;
    l.managers.get(a)!.want([shard]);
    for (const m of l.managers.values()) m.start();
    await run(l, 300);
    expect(holders(l, shard)).toEqual([a]);
    // b restarts and forgets its grants; c sees a down and tries for the shard
    await l.managers.get(b)!.stop();
    l.net.remove(b);
    l.net.add(b);
    l.managers.set(
      b,
      new LeaseManager(l.net.nodes.get(b)!, {
        members: l.names,
        store: l.store,
        clock: l.clock,
        leaseMs: LEASE,
        driftMarginMs: MARGIN,
        grantorQuarantineMs: LEASE + MARGIN,
      }),
    );
    l.managers.get(b)!.start();
    l.net.partition([a], [b, c]);
    l.net.detect();
    l.managers.get(c)!.want([shard]);
    await run(l, LEASE * 3); // run() throws on any instant with two holders
    expect(holders(l, shard)).toEqual([c]);
  });

  it('shards/lease — whenHeld resolves on acquisition and times out with a retryable error', async () => {
    const l = lab(3);
    const a = l.names[0]!;
    const m = l.managers.get(a)!;
    const never = m.whenHeld(7, 1_000).catch((e: unknown) => e);
    await run(l, 1_100);
    const err = await never;
    expect(err).toBeInstanceOf(HandoffTimeoutError);
    expect((err as HandoffTimeoutError).retryable).toBe(true);
    const soon = m.whenHeld(7, 5_000);
    m.want([7]);
    m.start();
    for (const o of l.managers.values()) if (o !== m) o.start();
    await run(l, 300);
    expect(await soon).toBe(1);
  });

  it('shards/lease — options that could not be safe are rejected', () => {
    const clock = new FakeClock(1_000_000);
    const net = new FakeNet(clock);
    const node = net.add('x@h');
    const store = openSqliteStore(':memory:');
    expect(() => new LeaseManager(node, { members: ['y@h'], store, clock })).toThrow(
      /include this node/,
    );
    expect(
      () =>
        new LeaseManager(node, {
          members: ['x@h'],
          store,
          clock,
          leaseMs: 1_000,
          driftMarginMs: 500,
          renewIntervalMs: 600,
        }),
    ).toThrow(BadArgumentError);
    void store.close();
  });
});
