import { describe, expect, it } from 'vitest';
import { connectedComponents } from './components.ts';
import { discovery, frame, hello, snapshot, upLinks } from './testing/fixtures.ts';
import { LiveModel } from './live-model.ts';
import { TrafficWindow } from './traffic-window.ts';
import { MAX_LINKS } from '../../protocol/telemetry.ts';
import { createSketch } from '../../protocol/sketch.ts';

const T = 1_700_000_000_000;

function meshOf(names: string[]) {
  let now = T;
  const model = new LiveModel({ now: () => now });
  for (const n of names) model.agentConnected(hello(n), now);
  const seqs = new Map<string, number>();
  const report = (node: string, extra: Parameters<typeof snapshot>[2] = {}) => {
    const seq = (seqs.get(node) ?? 0) + 1;
    seqs.set(node, seq);
    return model.applySnapshot(snapshot(node, seq, extra), now);
  };
  return {
    model,
    report,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

describe('model — nodes and links', () => {
  it('model — past maxNodes the longest-silent node is evicted, disconnected ones first', () => {
    const evicted: string[] = [];
    const model = new LiveModel({ now: () => T, maxNodes: 3, onEvict: (n) => evicted.push(n) });
    model.agentConnected(hello('a'), T);
    model.agentConnected(hello('b'), T + 1);
    model.agentConnected(hello('c'), T + 2);
    model.agentDisconnected('b', 'boot-b', T + 3);
    model.agentConnected(hello('d'), T + 4);
    expect(evicted).toEqual(['b']);
    model.agentConnected(hello('e'), T + 5);
    expect(evicted).toEqual(['b', 'a']);
    expect(model.read().nodes.map((n) => n.name)).toEqual(['c', 'd', 'e']);
  });

  it('model — urgent nodeup events cannot grow a node’s links past MAX_LINKS', () => {
    const model = new LiveModel({ now: () => T });
    model.agentConnected(hello('a'), T);
    let accepted = 0;
    for (let i = 0; i < MAX_LINKS + 10; i++) {
      const event = { type: 'nodeup' as const, at: T, node: `p${i}`, hidden: false, eid: i + 1 };
      if (model.applyUrgent('a', 'boot-a', event, undefined)) accepted++;
    }
    expect(accepted).toBe(MAX_LINKS);
  });

  it('model — a connected agent is up, a disconnected one down, a mentioned one unknown', () => {
    const { model, report } = meshOf(['a', 'b']);
    report('a', { links: upLinks('b', 'c'), view: { nodes: ['b', 'c'], hidden: [] } });
    model.agentDisconnected('b', 'boot-b', T + 5);
    const byName = Object.fromEntries(model.read().nodes.map((n) => [n.name, n.status]));
    expect(byName).toEqual({ a: 'up', b: 'down', c: 'unknown' });
  });

  it('model — a link is up only when both ends say so, asymmetric when one does', () => {
    const { model, report } = meshOf(['a', 'b', 'c']);
    report('a', { links: upLinks('b', 'c') });
    report('b', { links: upLinks('a', 'c') });
    report('c', {
      links: [...upLinks('b'), { peer: 'a', state: 'down', hidden: false, since: 0 }],
    });
    const links = model.read().links.map((l) => `${l.a}-${l.b}:${l.state}`);
    expect(links).toEqual(['a-b:up', 'a-c:asymmetric', 'b-c:up']);
  });

  it('model — a stale agent turns unknown and comes back up with the next snapshot', () => {
    const { model, report, advance, now } = meshOf(['a']);
    report('a');
    advance(6_000);
    expect(model.tick(now())).toEqual([{ node: 'a', from: 'up', to: 'unknown' }]);
    report('a');
    expect(model.read().nodes[0]?.status).toBe('up');
  });

  it('model — repeats and out-of-order seqs are ignored; a new boot starts over', () => {
    const { model } = meshOf(['a']);
    expect(model.applySnapshot(snapshot('a', 1), T)).toBe(true);
    expect(model.applySnapshot(snapshot('a', 1), T)).toBe(false);
    model.agentConnected(hello('a', { bootId: 'second' }), T + 1);
    expect(model.lastSeq('a', 'second')).toBe(0);
    expect(model.applySnapshot({ ...snapshot('a', 1), bootId: 'second' }, T + 2)).toBe(true);
  });

  it('model — a late disconnect of an old boot does not mark the restarted node down', () => {
    const { model } = meshOf(['a']);
    model.agentConnected(hello('a', { bootId: 'new' }), T + 1);
    model.agentDisconnected('a', 'boot-a', T + 2);
    expect(model.read().nodes[0]?.status).toBe('up');
  });
});

describe('model — partitions', () => {
  it('model — sides are the components of up links among visible up nodes', () => {
    const { model, report } = meshOf(['a', 'b', 'c', 'd', 'e']);
    const down = (peer: string) => ({ peer, state: 'down' as const, hidden: false, since: 0 });
    report('a', { links: [...upLinks('b'), down('c'), down('d'), down('e')] });
    report('b', { links: [...upLinks('a'), down('c'), down('d'), down('e')] });
    report('c', { links: [...upLinks('d', 'e'), down('a'), down('b')] });
    report('d', { links: [...upLinks('c', 'e'), down('a'), down('b')] });
    report('e', { links: [...upLinks('c', 'd'), down('a'), down('b')] });
    const m = model.read();
    expect(m.sides).toEqual([
      ['c', 'd', 'e'],
      ['a', 'b'],
    ]);
    expect(m.partitioned).toBe(true);
  });

  it('model — hidden nodes are not members of any side', () => {
    const { model, report } = meshOf(['a', 'b']);
    model.agentConnected(hello('h', { hidden: true }), T);
    report('a', { links: upLinks('b', 'h') });
    report('b', { links: upLinks('a') });
    expect(model.read().sides).toEqual([['a', 'b']]);
  });

  it('model — blackholed links and active faults with time left', () => {
    const { model, report, advance } = meshOf(['a', 'b']);
    const fault = {
      id: 'f1',
      kind: 'partition' as const,
      peers: ['b'],
      appliedAt: T,
      expiresAt: T + 10_000,
    };
    report('a', { links: upLinks('b'), faults: [fault] });
    report('b', { links: upLinks('a') });
    advance(4_000);
    model.tick(T + 4_000);
    const m = model.read();
    expect(m.links[0]?.blackholed).toBe(true);
    expect(m.faults).toEqual([{ ...fault, node: 'a', timeLeftMs: 6_000 }]);
  });

  it('components — isolated vertices are their own side; unknown vertices are ignored', () => {
    expect(
      connectedComponents(
        ['x', 'y', 'z'],
        [
          ['x', 'y'],
          ['y', 'q'],
        ],
      ),
    ).toEqual([['x', 'y'], ['z']]);
  });
});

describe('model — shards', () => {
  it('model — owner, epoch and claimants; two owners are a conflict', () => {
    const { model, report } = meshOf(['a', 'b', 'c']);
    report('a', { shards: [{ shard: 0, owner: 'a', epoch: 3, role: 'owner' }] });
    report('b', {
      shards: [
        { shard: 0, owner: 'b', epoch: 2, role: 'owner' },
        { shard: 1, owner: 'b', epoch: 1, role: 'acquiring' },
      ],
    });
    report('c', { shards: [{ shard: 1, owner: 'c', epoch: 0, role: 'observer' }] });
    const [s0, s1] = model.read().shards;
    expect(s0).toMatchObject({ shard: 0, owner: 'a', epoch: 3, conflict: true, handoff: false });
    expect(s0?.claimants.map((c) => c.node)).toEqual(['a', 'b']);
    expect(s1).toMatchObject({ shard: 1, owner: 'b', conflict: false, handoff: true });
  });

  it('model — a node that goes down drops its claims, so ownership moves', () => {
    const { model, report } = meshOf(['a', 'b']);
    report('a', { shards: [{ shard: 0, owner: 'a', epoch: 1, role: 'owner' }] });
    report('b', { shards: [{ shard: 0, owner: 'a', epoch: 1, role: 'observer' }] });
    model.agentDisconnected('a', 'boot-a', T + 1);
    report('b', { shards: [{ shard: 0, owner: 'b', epoch: 2, role: 'owner' }] });
    expect(model.read().shards[0]).toMatchObject({ owner: 'b', epoch: 2, conflict: false });
  });
});

describe('traffic window', () => {
  it('traffic — rates over the window and percentiles from merged sketches', () => {
    const w = new TrafficWindow(5_000);
    w.add(snapshot('a', 1, { frames: [frame('b', 'rpc', 100, 100)] }));
    w.add(snapshot('a', 2, { frames: [frame('b', 'rpc', 100, 10_000)] }));
    const [row] = w.read(T).rows;
    expect(row).toMatchObject({ from: 'a', to: 'b', channel: 'rpc', msgPerSec: 100 });
    expect(row?.bytesPerSec).toBe((100 * 100 + 100 * 10_000) / 2);
    expect(row?.p50).toBeCloseTo(100, -1);
    expect(Math.abs((row?.p99 ?? 0) - 10_000) / 10_000).toBeLessThanOrEqual(0.01);
  });

  it('traffic — old slices leave the window; in-direction rows are not counted', () => {
    const w = new TrafficWindow(2_000);
    w.add(snapshot('a', 1, { frames: [frame('b', 'x', 10, 1)] }));
    w.add(snapshot('a', 5, { frames: [{ ...frame('b', 'x', 99, 1), direction: 'in' }] }));
    expect(w.read(T).rows).toEqual([]);
  });

  it('traffic — rows merged across many slices and links each keep their own exact percentiles; an undecodable sketch keeps its counts', () => {
    const w = new TrafficWindow(5_000);
    for (let seq = 1; seq <= 5; seq++) {
      w.add(
        snapshot('a', seq, {
          frames: [
            frame('b', 'rpc', 10, 100 * seq),
            frame('c', 'rpc', 10, 50_000),
            { ...frame('d', 'rpc', 7, 10), sketch: 'not a sketch' },
          ],
        }),
      );
    }
    const rows = w.read(T).rows;
    const exact = createSketch();
    for (let seq = 1; seq <= 5; seq++) exact.add(100 * seq, 10);
    expect(rows.map((r) => r.to)).toEqual(['b', 'c', 'd']);
    expect(rows[0]).toMatchObject({ msgPerSec: 10, p50: exact.quantile(0.5) });
    expect(rows[0]?.p99).toBe(exact.quantile(0.99));
    expect(Math.abs((rows[1]?.p50 ?? 0) - 50_000) / 50_000).toBeLessThanOrEqual(0.01);
    expect(rows[2]).toMatchObject({ msgPerSec: 7, p50: null, p99: null });
  });
});

describe('model — urgent events', () => {
  it('model — an urgent nodedown/nodeup edits the reporter view and link until the next snapshot', () => {
    const { model, report } = meshOf(['a', 'b']);
    report('a', { links: upLinks('b'), view: { nodes: ['b'], hidden: [] } });
    report('b', { links: upLinks('a'), view: { nodes: ['a'], hidden: [] } });
    const down = { type: 'nodedown', at: T + 1, node: 'b', hidden: false, reason: 'timeout' };
    expect(model.applyUrgent('a', 'boot-a', { ...down, type: 'nodedown' }, undefined)).toBe(true);
    const a = () => model.read().nodes.find((n) => n.name === 'a')!;
    expect(a().view).toEqual({ nodes: [], hidden: [] });
    expect(model.read().links[0]).toMatchObject({ state: 'asymmetric', ends: { a: 'down' } });
    expect(
      model.applyUrgent('a', 'boot-a', { type: 'nodeup', at: T + 2, node: 'h', hidden: true }, []),
    ).toBe(true);
    expect(a().view).toEqual({ nodes: [], hidden: ['h'] });
    // another boot, or a node whose agent is gone, is not edited
    expect(model.applyUrgent('a', 'old-boot', { ...down, type: 'nodedown' }, undefined)).toBe(
      false,
    );
    report('a', { links: upLinks('b'), view: { nodes: ['b'], hidden: [] } });
    expect(a().view).toEqual({ nodes: ['b'], hidden: [] });
  });

  it('model — an urgent fault event replaces the reporter faults with the list it carries', () => {
    const { model } = meshOf(['a', 'b']);
    const fault = {
      id: 'p1',
      kind: 'partition' as const,
      peers: ['b'],
      appliedAt: T,
      expiresAt: T + 10_000,
    };
    const event = {
      type: 'fault' as const,
      at: T,
      action: 'applied' as const,
      reason: 'command' as const,
      id: 'p1',
      kind: 'partition' as const,
      peers: ['b'],
    };
    expect(model.applyUrgent('a', 'boot-a', event, [fault])).toBe(true);
    expect(model.read().faults).toEqual([expect.objectContaining({ id: 'p1', node: 'a' })]);
    expect(model.applyUrgent('a', 'boot-a', event, undefined)).toBe(false);
  });
});

describe('model — discovery', () => {
  const byName = (model: LiveModel) =>
    Object.fromEntries(model.read().nodes.map((n) => [n.name, n.discovery]));

  it('model — each node carries its latest discovery section; none reported is null', () => {
    const { model, report } = meshOf(['a', 'b']);
    const first = discovery(['127.0.0.1:9102'], {
      attempts: [
        {
          target: '127.0.0.1:9102',
          attempt: 1,
          ok: false,
          durationMs: 1,
          error: 'ECONNREFUSED',
          retryInMs: 200,
          at: T,
        },
      ],
      connects: { ok: 0, failed: 1 },
    });
    report('a', { discovery: first, links: upLinks('c') });
    report('b');
    expect(byName(model)).toEqual({ a: first, b: null, c: null });
    const second = discovery(['127.0.0.1:9102', '127.0.0.1:9103']);
    report('a', { discovery: second });
    expect(byName(model).a).toEqual(second);
    // a snapshot without the section (the agent could not build it) keeps the last one
    report('a');
    expect(byName(model).a).toEqual(second);
  });

  it('model — a node that went down keeps its last discovery; a new boot starts with none', () => {
    const { model, report } = meshOf(['a']);
    const seen = discovery(['127.0.0.1:9102']);
    report('a', { discovery: seen });
    model.agentDisconnected('a', 'boot-a', T + 1);
    expect(model.read().nodes[0]).toMatchObject({ status: 'down', discovery: seen });
    model.agentConnected(hello('a', { bootId: 'boot-2' }), T + 2);
    expect(model.read().nodes[0]).toMatchObject({ status: 'up', discovery: null });
  });

  it('model — the discovery section survives JSON, as the /api/cluster body and the /ui push carry it', () => {
    const { model, report } = meshOf(['a']);
    const seen = discovery(['127.0.0.1:9102'], {
      ignored: { malformed: 3 },
      lastError: { code: 'EADDRINUSE', message: 'cannot bind', at: T },
      stats: { announcements_received: 9 },
    });
    report('a', { discovery: seen });
    const body = JSON.parse(JSON.stringify(model.read())) as ReturnType<LiveModel['read']>;
    expect(body.nodes[0]?.discovery).toEqual(seen);
  });
});
