import { afterEach, describe, expect, it } from 'vitest';
import { deserializeSketch } from '../protocol/sketch.ts';
import type { Snapshot } from '../protocol/telemetry.ts';
import { snapshotSchema } from '../protocol/telemetry.ts';
import type { Agent, AgentOptions } from './agent.ts';
import { attachAgent } from './agent.ts';
import { AgentOptionsError } from './errors.ts';
import { FakeClock, FakeNode, FakeTransport, fixedProcessStats } from './testing/index.ts';

let agent: Agent | undefined;
afterEach(async () => {
  await agent?.detach();
  agent = undefined;
});

function setup(extra: Partial<AgentOptions> = {}) {
  // Start mid-second so the first window is partial, as in real life.
  const clock = new FakeClock(1_700_000_000_400);
  const node = new FakeNode('a@127.0.0.1');
  node.visible = ['b@127.0.0.1'];
  node.hiddenPeers = ['h@127.0.0.1'];
  const transport = new FakeTransport();
  agent = attachAgent(node, {
    url: 'http://127.0.0.1:1',
    token: 'secret',
    clock,
    transport,
    processStats: fixedProcessStats,
    bootId: 'boot-1',
    ...extra,
  });
  const stored: Snapshot[] = [];
  const deliver = () => {
    for (let i = 0; i < 100 && transport.sent.length > 0; i++) stored.push(...transport.ackNext());
  };
  return { clock, node, transport, stored, deliver, agent };
}

describe('agents/agent', () => {
  it('agent — a wall clock jump of ±1 h changes no window length (rates stay true)', () => {
    const HOUR = 3_600_000;
    const { clock, transport, stored, deliver } = setup();
    transport.connect();
    clock.advance(600);
    clock.advance(1_000);
    clock.jumpWall(-HOUR);
    clock.advance(2_000);
    clock.jumpWall(2 * HOUR);
    clock.advance(2_000);
    deliver();
    expect(stored.map((s) => s.intervalMs)).toEqual([600, 1000, 1000, 1000, 1000, 1000]);
    expect(new Set(stored.map((s) => s.seq)).size).toBe(6);
  });

  it('agent — one valid snapshot per second with seq, aligned t and per-channel frames', () => {
    const { clock, node, transport, stored, deliver } = setup();
    transport.connect();
    node.emitFrame({ peer: 'b@127.0.0.1', channel: 'rpc', direction: 'out', bytes: 200 });
    node.emitFrame({ peer: 'b@127.0.0.1', channel: 'rpc', direction: 'out', bytes: 400 });
    node.emitFrame({ peer: 'b@127.0.0.1', channel: 'tick', direction: 'in', bytes: 9 });
    node.emitRpc({ peer: 'b@127.0.0.1', handler: 'echo', durationMs: 0.5, ok: true });
    clock.advance(600); // first (partial) window ends at the second boundary
    deliver();
    node.emitFrame({ peer: 'b@127.0.0.1', channel: 'rpc', direction: 'out', bytes: 100 });
    clock.advance(1_000);
    deliver();
    expect(stored.map((s) => [s.seq, s.t, s.intervalMs])).toEqual([
      [1, 1_700_000_000, 600],
      [2, 1_700_000_001, 1000],
    ]);
    for (const s of stored) expect(snapshotSchema.safeParse(s).success).toBe(true);
    const [first, second] = stored as [Snapshot, Snapshot];
    expect(first.frames).toHaveLength(2);
    const rpc = first.frames.find((f) => f.channel === 'rpc')!;
    expect(rpc).toMatchObject({ peer: 'b@127.0.0.1', direction: 'out', count: 2, bytes: 600 });
    expect(deserializeSketch(rpc.sketch).max).toBe(400);
    expect(second.frames).toEqual([
      expect.objectContaining({ channel: 'rpc', count: 1, bytes: 100 }),
    ]);
    expect(first.rpc).toMatchObject({ count: 1, errors: 0 });
    expect(first.view).toEqual({ nodes: ['b@127.0.0.1'], hidden: ['h@127.0.0.1'] });
    expect(first.process.rssBytes).toBe(50_000_000);
    expect(first.node).toBe('a@127.0.0.1');
    expect(first.bootId).toBe('boot-1');
  });

  it('agent — links, membership events and recorded lease events reach the snapshot', () => {
    const { clock, node, transport, stored, deliver, agent } = setup();
    transport.connect();
    node.emitLink({ peer: 'c@127.0.0.1', state: 'up', hidden: false, at: clock.now() });
    node.emitMembership({ event: 'nodeup', node: 'c@127.0.0.1', hidden: false, at: clock.now() });
    node.emitLink({
      peer: 'b@127.0.0.1',
      state: 'down',
      hidden: false,
      reason: 'timeout',
      at: clock.now(),
    });
    node.emitMembership({
      event: 'nodedown',
      node: 'b@127.0.0.1',
      hidden: false,
      reason: 'timeout',
      at: clock.now(),
    });
    expect(
      agent.record({ type: 'lease', at: clock.now(), action: 'acquired', shard: 3, epoch: 7 }),
    ).toBe(true);
    expect(agent.record({ type: 'lease', at: -1, action: 'acquired', shard: 3, epoch: 7 })).toBe(
      false,
    );
    clock.advance(600);
    deliver();
    const s = stored[0]!;
    const links = Object.fromEntries(s.links.map((l) => [l.peer, l]));
    expect(links['c@127.0.0.1']).toMatchObject({ state: 'up' });
    expect(links['b@127.0.0.1']).toMatchObject({ state: 'down', reason: 'timeout' });
    expect(links['h@127.0.0.1']).toMatchObject({ state: 'up', hidden: true });
    expect(s.events.map((e) => e.type)).toEqual(['nodeup', 'nodedown', 'lease']);
  });

  it('agent — membership and fault events leave at once as urgent, with the eid their snapshot copy carries', () => {
    const { clock, node, transport, stored, deliver, agent } = setup();
    node.emitMembership({ event: 'nodeup', node: 'c@127.0.0.1', hidden: false, at: clock.now() });
    expect(transport.urgent).toEqual([]); // not connected: the snapshot alone carries it
    transport.connect();
    node.emitMembership({
      event: 'nodedown',
      node: 'b@127.0.0.1',
      hidden: false,
      reason: 'connection_closed',
      at: clock.now(),
    });
    agent.record({ type: 'lease', at: clock.now(), action: 'acquired', shard: 1, epoch: 2 });
    expect(
      transport.command({
        id: 'p1',
        type: 'partition',
        args: { peers: ['c@127.0.0.1'] },
        ttlMs: 60_000,
      }),
    ).toMatchObject({ ok: true });
    expect(transport.urgent.map((u) => [u.event.type, u.event.eid])).toEqual([
      ['nodedown', 2],
      ['fault', 4],
    ]);
    expect(transport.urgent[0]).toMatchObject({ node: 'a@127.0.0.1', bootId: 'boot-1' });
    expect(transport.urgent[1]!.faults).toEqual([expect.objectContaining({ id: 'p1' })]);
    clock.advance(600);
    deliver();
    const s = stored[0]!;
    expect(s.events.map((e) => [e.type, e.eid])).toEqual([
      ['nodeup', 1],
      ['nodedown', 2],
      ['lease', 3],
      ['fault', 4],
      ['command', 5],
    ]);
    expect(s.eventsThrough).toBe(5);
  });

  it('agent — shard provider rows are included; a throwing provider only omits them', () => {
    let fail = false;
    const { clock, transport, stored, deliver } = setup({
      shards: () => {
        if (fail) throw new Error('boom');
        return [{ shard: 0, owner: 'a@127.0.0.1', epoch: 2, role: 'owner' }];
      },
    });
    transport.connect();
    clock.advance(600);
    fail = true;
    clock.advance(1_000);
    deliver();
    expect(stored[0]!.shards).toEqual([
      { shard: 0, owner: 'a@127.0.0.1', epoch: 2, role: 'owner' },
    ]);
    expect(stored[1]!.shards).toBeUndefined();
  });

  it('agent — ten minutes without the server: everything is buffered and replayed in order', () => {
    const { clock, transport, stored, deliver } = setup();
    clock.advance(600 + 600_000);
    transport.connect();
    deliver();
    expect(stored).toHaveLength(601);
    stored.forEach((s, i) => expect(s.seq).toBe(i + 1));
    for (let i = 1; i < stored.length; i++) expect(stored[i]!.t).toBe(stored[i - 1]!.t + 1);
  });

  it('agent — beyond the buffer limit the oldest are dropped and the gap is declared', () => {
    const { clock, transport, stored, deliver } = setup({ buffer: { maxSnapshots: 100 } });
    clock.advance(600 + 299_000);
    transport.connect();
    deliver();
    expect(stored).toHaveLength(100);
    expect(stored[0]!.seq).toBe(201);
    // The count is taken when a snapshot is built, so the next one declares the whole gap.
    clock.advance(1_000);
    deliver();
    expect(stored[100]!.agent.droppedSnapshots).toBe(200);
  });

  it('agent — commands over the transport; faults revert when the server is unreachable too long', () => {
    const { clock, node, transport, stored, deliver } = setup({
      faultRevertAfterUnreachableMs: 30_000,
    });
    transport.connect();
    const ack = transport.command({
      id: 'p1',
      type: 'partition',
      args: { peers: ['b@127.0.0.1'] },
      ttlMs: 600_000,
    });
    expect(ack.ok).toBe(true);
    expect(node.faults.holes.has('b@127.0.0.1')).toBe(true);
    clock.advance(600);
    deliver();
    expect(stored[0]!.faults).toEqual([expect.objectContaining({ id: 'p1', kind: 'partition' })]);
    transport.disconnect();
    clock.advance(29_000);
    expect(node.faults.holes.size).toBe(1);
    clock.advance(1_000);
    expect(node.faults.holes.size).toBe(0);
    transport.connect();
    deliver();
    const reverted = stored
      .flatMap((s) => s.events)
      .filter((e) => e.type === 'fault' && e.action === 'reverted');
    expect(reverted).toEqual([expect.objectContaining({ reason: 'unreachable', id: 'p1' })]);
  });

  it('agent — a short outage does not revert faults', () => {
    const { clock, node, transport } = setup({ faultRevertAfterUnreachableMs: 30_000 });
    transport.connect();
    transport.command({
      id: 'p1',
      type: 'partition',
      args: { peers: ['b@127.0.0.1'] },
      ttlMs: 600_000,
    });
    transport.disconnect();
    clock.advance(20_000);
    transport.connect();
    clock.advance(20_000);
    expect(node.faults.holes.size).toBe(1);
  });

  it('agent — detach unhooks, reverts faults, closes the transport and stops ticking', async () => {
    const { clock, node, transport, agent } = setup();
    transport.connect();
    transport.command({
      id: 'p1',
      type: 'partition',
      args: { peers: ['b@127.0.0.1'] },
      ttlMs: 600_000,
    });
    await agent.detach();
    expect(node.listeners).toBe(0);
    expect(node.faults.holes.size).toBe(0);
    expect(transport.closed).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('agent — bad options fail fast with AgentOptionsError', () => {
    const node = new FakeNode();
    expect(() => attachAgent(node, { url: 'not a url', token: 't' })).toThrow(AgentOptionsError);
    expect(() => attachAgent(node, { url: 'ftp://x', token: 't' })).toThrow(AgentOptionsError);
    expect(() => attachAgent(node, { url: 'http://x', token: '' })).toThrow(AgentOptionsError);
    expect(() => attachAgent(node, { url: 'http://x', token: 't', intervalMs: 0 })).toThrow(
      AgentOptionsError,
    );
  });
});
