import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SnapshotAck, Welcome } from '../../protocol/agent.ts';
import type { CommandAck } from '../../protocol/control.ts';
import type { ModelEvent } from '../../protocol/model.ts';
import type { Snapshot } from '../../protocol/telemetry.ts';
import { MetricsRegistry } from '../metrics/registry.ts';
import { EventFeed } from '../model/event-feed.ts';
import { hello, snapshot, upLinks } from '../model/testing/fixtures.ts';
import { LiveModel } from '../model/live-model.ts';
import { TrafficWindow } from '../model/traffic-window.ts';
import { agentCredential } from './credentials.ts';
import { attachIngest } from './ingest.ts';
import type { Ingest, IngestStore } from './ports.ts';
import { AGENT_UNAUTHORIZED_MESSAGE } from './validate.ts';

class MemoryStore implements IngestStore {
  readonly rows: Snapshot[] = [];
  failNext = false;
  storedSeq(node: string, bootId: string): Promise<number | null> {
    const seqs = this.rows.filter((r) => r.node === node && r.bootId === bootId).map((r) => r.seq);
    return Promise.resolve(seqs.length === 0 ? null : Math.max(...seqs));
  }
  persist(snapshots: readonly Snapshot[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('disk full'));
    }
    this.rows.push(...snapshots);
    return Promise.resolve();
  }
}

const TOKEN = 'agent-token';
/** A hello carrying its node's own credential. */
const own = <H extends { node: string }>(h: H): H => ({
  ...h,
  token: agentCredential(TOKEN, h.node),
});
let http: HttpServer;
let io: Server;
let url: string;
let store: MemoryStore;
let model: LiveModel;
let metrics: MetricsRegistry;
let ingest: Ingest;
let events: ModelEvent[];
const clients: ClientSocket[] = [];

beforeEach(async () => {
  http = createServer();
  io = new Server(http);
  store = new MemoryStore();
  model = new LiveModel({ now: () => Date.now() });
  metrics = new MetricsRegistry();
  const feed = new EventFeed();
  events = [];
  feed.subscribe((e) => events.push(...e));
  ingest = attachIngest(io.of('/agent'), {
    agentToken: TOKEN,
    model,
    traffic: new TrafficWindow(),
    store,
    events: feed,
    metrics,
    now: () => Date.now(),
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/agent`;
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await io.close();
});

function agent(auth: object): ClientSocket {
  const c = connect(url, { auth, transports: ['websocket'], reconnection: false });
  clients.push(c);
  return c;
}

function welcomed(c: ClientSocket): Promise<Welcome> {
  return new Promise((resolve) => c.once('welcome', resolve));
}

function refused(c: ClientSocket): Promise<{ message: string; data: unknown }> {
  return new Promise((resolve) =>
    c.once('connect_error', (e) =>
      resolve({ message: e.message, data: (e as { data?: unknown }).data }),
    ),
  );
}

function send(c: ClientSocket, batch: unknown): Promise<SnapshotAck> {
  return c.timeout(5_000).emitWithAck('snapshots', batch) as Promise<SnapshotAck>;
}

describe('ingest', () => {
  it('ingest — a wrong token is refused with code unauthorized and counted', async () => {
    const error = await refused(agent({ ...hello('a'), token: 'nope' }));
    expect(error.data).toEqual({ code: 'unauthorized', message: AGENT_UNAUTHORIZED_MESSAGE });
    expect(metrics.value('observatory_ingest_rejected_total', { reason: 'unauthorized' })).toBe(1);
  });

  it('ingest — a malformed hello is refused with a reason', async () => {
    const error = await refused(agent(own({ ...hello('a'), protocol: 99 })));
    expect(error.data).toMatchObject({ code: 'bad_hello' });
    expect(error.message).toContain('protocol');
  });

  it('ingest — stores, acks cumulatively, dedupes repeats, and the welcome says what is stored', async () => {
    const c = agent(own(hello('a')));
    expect((await welcomed(c)).ackedSeq).toBeNull();
    expect(await send(c, [snapshot('a', 1), snapshot('a', 2)])).toEqual({ ok: true, ackedSeq: 2 });
    expect(await send(c, [snapshot('a', 2), snapshot('a', 3)])).toEqual({ ok: true, ackedSeq: 3 });
    expect(store.rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(metrics.value('observatory_snapshots_duplicate_total')).toBe(1);
    c.disconnect();
    const again = agent(own(hello('a')));
    expect((await welcomed(again)).ackedSeq).toBe(3);
  });

  it('ingest — bad snapshots are refused with a reason, good neighbours still stored, nothing crashes', async () => {
    const c = agent(own(hello('a')));
    await welcomed(c);
    const bad = { ...snapshot('a', 2), frames: 'lots' };
    const ack = await send(c, [snapshot('a', 1), bad, snapshot('a', 3)]);
    expect(ack).toMatchObject({ ok: false, ackedSeq: 3, error: { code: 'invalid' } });
    expect(ack.ok === false && ack.error.message).toContain('frames');
    expect(await send(c, 'not an array')).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(await send(c, [snapshot('b', 4)])).toMatchObject({
      ok: false,
      error: { code: 'invalid' },
    });
    expect(store.rows.map((r) => r.seq)).toEqual([1, 3]);
    expect(metrics.value('observatory_ingest_rejected_total', { reason: 'bad_snapshot' })).toBe(1);
    expect(metrics.value('observatory_ingest_rejected_total', { reason: 'wrong_sender' })).toBe(1);
  });

  it('ingest — a store failure is answered unavailable and the batch is accepted on retry', async () => {
    const c = agent(own(hello('a')));
    await welcomed(c);
    store.failNext = true;
    expect(await send(c, [snapshot('a', 1)])).toMatchObject({
      ok: false,
      ackedSeq: null,
      error: { code: 'unavailable' },
    });
    expect(await send(c, [snapshot('a', 1)])).toEqual({ ok: true, ackedSeq: 1 });
  });

  it('ingest — a batch the live model throws on is still stored and answered, and the next one too', async () => {
    const c = agent(own(hello('a')));
    await welcomed(c);
    const apply = model.applySnapshot.bind(model);
    model.applySnapshot = () => {
      throw new Error('model bug');
    };
    expect(await send(c, [snapshot('a', 1)])).toEqual({ ok: true, ackedSeq: 1 });
    model.applySnapshot = apply;
    expect(await send(c, [snapshot('a', 2)])).toEqual({ ok: true, ackedSeq: 2 });
    expect(store.rows.map((r) => r.seq)).toEqual([1, 2]);
  });

  it('ingest — connect, snapshots and disconnect drive the model and the event feed', async () => {
    const c = agent(own(hello('a')));
    await welcomed(c);
    const nodedown = {
      type: 'nodedown' as const,
      at: 5,
      node: 'b',
      hidden: false,
      reason: 'timeout',
    };
    await send(c, [snapshot('a', 1, { events: [nodedown] })]);
    expect(model.read().nodes.find((n) => n.name === 'a')?.status).toBe('up');
    c.disconnect();
    await expect.poll(() => model.read().nodes.find((n) => n.name === 'a')?.status).toBe('down');
    expect(events.map((e) => (e.event.type === 'agent' ? e.event.action : e.event.type))).toEqual([
      'connected',
      'nodedown',
      'disconnected',
    ]);
  });

  it('ingest — an urgent nodedown updates the model and the feed at once, and its snapshot copy is stored but not shown again', async () => {
    const c = agent(own(hello('a')));
    await welcomed(c);
    await send(c, [snapshot('a', 1, { view: { nodes: ['b'], hidden: [] }, links: upLinks('b') })]);
    const nodedown = {
      type: 'nodedown' as const,
      at: 5,
      eid: 1,
      node: 'b',
      hidden: false,
      reason: 'connection_closed',
    };
    c.emit('urgent', { node: 'a', bootId: 'boot-a', event: nodedown });
    c.emit('urgent', { node: 'a', bootId: 'boot-a', event: nodedown }); // a repeat
    c.emit('urgent', { node: 'a', bootId: 'boot-a', event: { ...nodedown, eid: undefined } });
    c.emit('urgent', { node: 'x', bootId: 'boot-a', event: { ...nodedown, eid: 2 } });
    await expect
      .poll(() => model.read().nodes.find((n) => n.name === 'a')?.view?.nodes)
      .toEqual([]);
    expect(model.read().links.find((l) => l.b === 'b')?.ends.a).toBe('down');
    const shown = () => events.filter((e) => e.event.type === 'nodedown');
    expect(shown()).toHaveLength(1);
    expect(await send(c, [snapshot('a', 2, { events: [nodedown], eventsThrough: 1 })])).toEqual({
      ok: true,
      ackedSeq: 2,
    });
    expect(shown()).toHaveLength(1);
    expect(store.rows.find((r) => r.seq === 2)?.events).toEqual([nodedown]);
    const text = metrics.render();
    expect(text).toMatch(/observatory_urgent_events_total\{outcome="duplicate"\} 1/);
    expect(text).toMatch(/observatory_ingest_rejected_total\{reason="bad_urgent"\} 1/);
    expect(text).toMatch(/observatory_ingest_rejected_total\{reason="wrong_sender"\} 1/);
  });

  it('ingest — a command reaches the agent and its ack comes back; no answer is a timeout', async () => {
    const c = agent(own(hello('a')));
    await welcomed(c);
    c.on('command', (cmd: { id: string }, reply: (a: CommandAck) => void) => {
      if (cmd.id === 'silent') return;
      reply({ id: cmd.id, ok: true, appliedAt: 1, expiresAt: 2 });
    });
    const conn = ingest.agent('a');
    expect(conn).toBeDefined();
    await expect(
      conn!.command({ id: 'x', type: 'partition', args: { peers: ['b'] }, ttlMs: 1000 }, 2_000),
    ).resolves.toMatchObject({ id: 'x', ok: true });
    await expect(conn!.command({ id: 'silent', type: 'heal' }, 200)).rejects.toMatchObject({
      code: 'AGENT_UNAVAILABLE',
    });
  });
});

describe('ingest — in-process sessions', () => {
  const beamStats = {
    otpRelease: '25',
    memory: { total: 1, processes: 1, system: 1, atom: 1, binary: 1, code: 1, ets: 1 },
    processCount: 60,
    portCount: 9,
    runQueue: 0,
    reductions: 10,
    registered: ['rex'],
    globalNames: [],
    pgGroups: [],
  };

  it('ingest — a local session stores, dedupes and shows snapshots like a socket agent', async () => {
    const commands: string[] = [];
    const local = ingest.attachLocal(hello('b1@h', { capabilities: ['kill'] }), {
      command: (c) => {
        commands.push(c.type);
        return Promise.resolve({ id: c.id, ok: true, appliedAt: 1, expiresAt: null });
      },
    });
    const s1 = snapshot('b1@h', 1, { runtime: 'beam', beam: beamStats });
    expect(await local.submit([s1])).toEqual({ ok: true, ackedSeq: 1 });
    expect(await local.submit([s1])).toEqual({ ok: true, ackedSeq: 1 });
    expect(store.rows.map((r) => r.seq)).toEqual([1]);
    const node = model.read().nodes.find((n) => n.name === 'b1@h');
    expect(node?.status).toBe('up');
    expect(node?.runtime).toBe('beam');
    expect(node?.beam?.otpRelease).toBe('25');
    // commands reach the session's handler, as they reach a socket agent
    await ingest.agent('b1@h')?.command({ id: 'k1', type: 'kill' }, 1_000);
    expect(commands).toEqual(['kill']);
    local.close('gone');
    expect(model.read().nodes.find((n) => n.name === 'b1@h')?.status).toBe('down');
    expect(ingest.agent('b1@h')).toBeUndefined();
  });

  it('ingest — a local session validates its snapshots (another node, bad fields)', async () => {
    const local = ingest.attachLocal(hello('b2@h'), {
      command: () => Promise.reject(new Error('none')),
    });
    const ack = await local.submit([snapshot('b3@h', 1)]);
    expect(ack.ok).toBe(false);
    expect(store.rows).toEqual([]);
    local.close();
  });
});
