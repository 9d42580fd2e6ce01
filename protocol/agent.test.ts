import { describe, expect, it } from 'vitest';
import { agentHelloSchema, snapshotAckSchema, urgentEventSchema, welcomeSchema } from './agent.ts';
import { commandAckSchema, controlCommandSchema } from './control.ts';
import { MAX_SKETCH_CHARS, createSketch } from './sketch.ts';
import type { Snapshot } from './telemetry.ts';
import {
  MAX_DISCOVERY_ATTEMPTS,
  MAX_DISCOVERY_COUNTERS,
  MAX_DISCOVERY_TARGETS,
  MAX_EVENTS_PER_SNAPSHOT,
  MAX_FRAME_ROWS,
  snapshotSchema,
} from './telemetry.ts';

function validSnapshot(): Snapshot {
  const sketch = createSketch();
  sketch.add(120);
  return {
    node: 'a@127.0.0.1',
    bootId: 'b1',
    seq: 1,
    t: 1_700_000_000,
    intervalMs: 1000,
    frames: [
      {
        peer: 'b@127.0.0.1',
        channel: 'tick',
        direction: 'out',
        count: 1,
        bytes: 120,
        sketch: sketch.serialize(),
      },
    ],
    links: [{ peer: 'b@127.0.0.1', state: 'up', hidden: false, since: 1 }],
    view: { nodes: ['b@127.0.0.1'], hidden: [] },
    rpc: { count: 0, errors: 0, sketch: createSketch().serialize() },
    shards: [{ shard: 0, owner: 'a@127.0.0.1', epoch: 3, role: 'owner' }],
    discovery: {
      strategy: 'static',
      targets: ['127.0.0.1:9102', '127.0.0.1:9103'],
      targetCount: 2,
      targetsAt: 4,
      attempts: [
        {
          target: '127.0.0.1:9103',
          attempt: 1,
          ok: false,
          durationMs: 2,
          error: 'ECONNREFUSED',
          retryInMs: 100,
          at: 5,
        },
        { target: '127.0.0.1:9102', attempt: 1, ok: true, durationMs: 3, at: 6 },
        { target: '127.0.0.1:9103', attempt: 2, ok: null, at: 105 },
      ],
      connects: { ok: 1, failed: 1 },
      ignored: { malformed: 2 },
      lastError: { code: 'EADDRINUSE', message: 'cannot bind', at: 3 },
      stats: { announcements_received: 7, ratio: 0.5 },
    },
    faults: [],
    events: [
      { type: 'nodeup', at: 5, node: 'b@127.0.0.1', hidden: false },
      { type: 'fencing', at: 6, shard: 1, epoch: 2, currentEpoch: 3 },
    ],
    process: { rssBytes: 1, heapUsedBytes: 1, eventLoopDelayP99Ms: 0.5 },
    agent: { droppedSnapshots: 0, bufferedSnapshots: 0, droppedEvents: 0, overflowFrames: 0 },
  };
}

type Mutate = (s: Record<string, unknown> & Snapshot) => void;

describe('protocol/telemetry', () => {
  it('snapshot — a well-formed snapshot passes', () => {
    expect(snapshotSchema.safeParse(validSnapshot()).success).toBe(true);
  });

  it('snapshot — discovery is optional: a snapshot from an agent without it still passes', () => {
    const { discovery: _d, ...older } = validSnapshot();
    expect(snapshotSchema.safeParse(older).success).toBe(true);
    const idle = { ...validSnapshot().discovery!, attempts: [], lastError: null, targetsAt: null };
    expect(snapshotSchema.safeParse({ ...older, discovery: idle }).success).toBe(true);
  });

  const bad: Record<string, Mutate> = {
    'missing seq': (s) => delete (s as Partial<Snapshot>).seq,
    'seq 0': (s) => (s.seq = 0),
    'fractional count': (s) => (s.frames[0]!.count = 1.5),
    'negative bytes': (s) => (s.frames[0]!.bytes = -1),
    'unknown direction': (s) => ((s.frames[0] as { direction: string }).direction = 'sideways'),
    'too many frames': (s) =>
      (s.frames = Array.from({ length: MAX_FRAME_ROWS + 1 }, () => s.frames[0]!)),
    'too many events': (s) =>
      (s.events = Array.from({ length: MAX_EVENTS_PER_SNAPSHOT + 1 }, () => s.events[0]!)),
    'oversized sketch': (s) => (s.frames[0]!.sketch = 'A'.repeat(MAX_SKETCH_CHARS + 4)),
    'empty node name': (s) => (s.node = ''),
    'huge node name': (s) => (s.node = 'x'.repeat(300)),
    'unknown event type': (s) => ((s.events[0] as { type: string }).type = 'explode'),
    'bad shard role': (s) => ((s.shards![0] as { role: string }).role = 'king'),
    'interval 0': (s) => (s.intervalMs = 0),
    'string instead of object': (s) => ((s as { view: unknown }).view = 'everything'),
    'discovery without a strategy': (s) => (s.discovery!.strategy = ''),
    'discovery attempt ok as a string': (s) =>
      ((s.discovery!.attempts[0] as { ok: unknown }).ok = 'yes'),
    'discovery attempt 0': (s) => (s.discovery!.attempts[0]!.attempt = 0),
    'discovery negative retry': (s) => (s.discovery!.attempts[0]!.retryInMs = -1),
    'too many discovery targets': (s) =>
      (s.discovery!.targets = Array.from(
        { length: MAX_DISCOVERY_TARGETS + 1 },
        (_, i) => `h:${i}`,
      )),
    'too many discovery attempts': (s) =>
      (s.discovery!.attempts = Array.from(
        { length: MAX_DISCOVERY_ATTEMPTS + 1 },
        () => s.discovery!.attempts[0]!,
      )),
    'fractional ignored count': (s) => (s.discovery!.ignored.malformed = 1.5),
    'discovery counter key with spaces': (s) => (s.discovery!.stats['a b'] = 1),
    'too many discovery stats': (s) =>
      (s.discovery!.stats = Object.fromEntries(
        Array.from({ length: MAX_DISCOVERY_COUNTERS + 1 }, (_, i) => [`k${i}`, i]),
      )),
    'discovery stat not a number': (s) =>
      ((s.discovery!.stats as Record<string, unknown>).sent = '7'),
    'discovery error without code': (s) => (s.discovery!.lastError!.code = ''),
  };
  for (const [name, mutate] of Object.entries(bad)) {
    it(`snapshot — rejects ${name}`, () => {
      const s = validSnapshot() as Record<string, unknown> & Snapshot;
      mutate(s);
      expect(snapshotSchema.safeParse(s).success).toBe(false);
    });
  }
});

describe('protocol/agent', () => {
  const hello = {
    token: 't',
    protocol: 1,
    node: 'a@127.0.0.1',
    bootId: 'b',
    hidden: false,
    address: '127.0.0.1:9101',
    intervalMs: 1000,
    capabilities: ['kill', 'partition', 'heal', 'latency', 'shards'],
    now: 1,
  };
  it('hello — accepts a full hello, rejects empty token, unknown protocol or capability', () => {
    expect(agentHelloSchema.safeParse(hello).success).toBe(true);
    expect(agentHelloSchema.safeParse({ ...hello, token: '' }).success).toBe(false);
    expect(agentHelloSchema.safeParse({ ...hello, protocol: 2 }).success).toBe(false);
    expect(agentHelloSchema.safeParse({ ...hello, capabilities: ['fly'] }).success).toBe(false);
  });

  it('acks — welcome and snapshot acks validate both outcomes', () => {
    expect(welcomeSchema.safeParse({ ackedSeq: null, serverTime: 1 }).success).toBe(true);
    expect(welcomeSchema.safeParse({ ackedSeq: -1, serverTime: 1 }).success).toBe(false);
    expect(snapshotAckSchema.safeParse({ ok: true, ackedSeq: 4 }).success).toBe(true);
    expect(
      snapshotAckSchema.safeParse({
        ok: false,
        ackedSeq: null,
        error: { code: 'invalid', message: 'x' },
      }).success,
    ).toBe(true);
    expect(snapshotAckSchema.safeParse({ ok: true }).success).toBe(false);
  });
});

describe('protocol/agent — urgent', () => {
  const nodedown = { type: 'nodedown', at: 1, node: 'b', hidden: false, reason: 'timeout' };
  it('protocol — an urgent event is a nodeup, nodedown or fault event with an eid', () => {
    const ok = { node: 'a', bootId: 'b1', event: { ...nodedown, eid: 3 } };
    expect(urgentEventSchema.safeParse(ok).success).toBe(true);
    expect(urgentEventSchema.safeParse({ ...ok, event: nodedown }).success).toBe(false);
    const lease = { type: 'lease', at: 1, eid: 4, action: 'acquired', shard: 1, epoch: 2 };
    expect(urgentEventSchema.safeParse({ ...ok, event: lease }).success).toBe(false);
    expect(urgentEventSchema.safeParse({ ...ok, event: { ...nodedown, eid: 0 } }).success).toBe(
      false,
    );
  });
});

describe('protocol/control', () => {
  it('command — accepts each type in its proper shape', () => {
    const good = [
      { id: '1', type: 'kill' },
      { id: '2', type: 'partition', args: { peers: ['b@h'] }, ttlMs: 1000 },
      { id: '3', type: 'heal' },
      { id: '4', type: 'heal', args: { peers: ['b@h'] } },
      { id: '5', type: 'latency', args: { peers: ['b@h'], delayMs: 50 }, ttlMs: 1000 },
    ];
    for (const c of good) expect(controlCommandSchema.safeParse(c).success, c.id).toBe(true);
    const latency = controlCommandSchema.parse(good[4]);
    expect(latency.type === 'latency' && latency.args.jitterMs).toBe(0);
  });

  it('command — rejects unknown type, missing ttl, empty peers, ttl over the limit', () => {
    const bad = [
      { id: '1', type: 'reboot' },
      { id: '2', type: 'partition', args: { peers: ['b@h'] } },
      { id: '3', type: 'partition', args: { peers: [] }, ttlMs: 1000 },
      { id: '4', type: 'partition', args: { peers: ['b@h'] }, ttlMs: 86_400_000 },
      { id: '', type: 'kill' },
      { type: 'kill' },
      { id: '5', type: 'latency', args: { peers: ['b@h'], delayMs: -1 }, ttlMs: 1000 },
    ];
    for (const c of bad)
      expect(controlCommandSchema.safeParse(c).success, JSON.stringify(c)).toBe(false);
  });

  it('ack — requires appliedAt and a known error code', () => {
    expect(
      commandAckSchema.safeParse({ id: '1', ok: true, appliedAt: 1, expiresAt: 2 }).success,
    ).toBe(true);
    expect(commandAckSchema.safeParse({ id: '1', ok: true, expiresAt: 2 }).success).toBe(false);
    expect(
      commandAckSchema.safeParse({
        id: '1',
        ok: false,
        error: { code: 'oops', message: 'x' },
        appliedAt: 1,
        expiresAt: null,
      }).success,
    ).toBe(false);
  });
});
