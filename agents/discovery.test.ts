import { afterEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../protocol/telemetry.ts';
import {
  MAX_DISCOVERY_ATTEMPTS,
  MAX_DISCOVERY_COUNTERS,
  MAX_DISCOVERY_ERROR_CHARS,
  MAX_DISCOVERY_TARGETS,
  snapshotSchema,
} from '../protocol/telemetry.ts';
import type { Agent, AgentOptions } from './agent.ts';
import { attachAgent } from './agent.ts';
import { estimateSnapshotBytes } from './buffer.ts';
import { DiscoveryTracker } from './discovery.ts';
import {
  FakeClock,
  FakeDiscovery,
  FakeNode,
  FakeTransport,
  fixedProcessStats,
} from './testing/index.ts';

const T = 1_700_000_000_400;

let agent: Agent | undefined;
afterEach(async () => {
  await agent?.detach();
  agent = undefined;
});

function setup(extra: Partial<AgentOptions> = {}) {
  const clock = new FakeClock(T);
  const node = new FakeNode('a@127.0.0.1');
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
  transport.connect();
  const stored: Snapshot[] = [];
  /** ends the current window and returns its snapshot */
  const next = (): Snapshot => {
    clock.advance(1_000);
    while (transport.sent.length > 0) stored.push(...transport.ackNext());
    const s = stored[stored.length - 1]!;
    expect(snapshotSchema.safeParse(s).success).toBe(true);
    return s;
  };
  return { clock, transport, next, agent };
}

describe('agents/discovery', () => {
  it('agent discovery — each snapshot carries the targets, the attempts with their results and the counters', () => {
    const discovery = new FakeDiscovery('gossip');
    discovery.counters = { announcements_received: 5, announcements_accepted: 2 };
    const { next } = setup({ discovery });
    const base = { strategy: 'gossip' } as const;
    discovery.emit({ ...base, kind: 'found', targets: ['10.0.0.2:9101', '10.0.0.1:9101'], at: T });
    discovery.emit({
      ...base,
      kind: 'connect_attempt',
      target: '10.0.0.1:9101',
      attempt: 1,
      at: T,
    });
    discovery.emit({
      ...base,
      kind: 'connect_result',
      target: '10.0.0.1:9101',
      attempt: 1,
      ok: false,
      durationMs: 3,
      error: 'ECONNREFUSED: connect ECONNREFUSED 10.0.0.1:9101',
      retryInMs: 200,
      at: T + 3,
    });
    discovery.emit({
      ...base,
      kind: 'connect_attempt',
      target: '10.0.0.1:9101',
      attempt: 2,
      at: T + 203,
    });
    discovery.emit({
      ...base,
      kind: 'connect_attempt',
      target: '10.0.0.2:9101',
      attempt: 1,
      at: T + 204,
    });
    discovery.emit({
      ...base,
      kind: 'connect_result',
      target: '10.0.0.1:9101',
      attempt: 2,
      ok: true,
      durationMs: 5,
      at: T + 208,
    });
    for (const reason of ['malformed', 'malformed', 'replay'] as const) {
      discovery.emit({ ...base, kind: 'ignored', reason, from: '10.0.0.9:45892', at: T + 300 });
    }
    discovery.emit({
      ...base,
      kind: 'error',
      code: 'EADDRINUSE',
      message: 'gossip: cannot bind',
      at: T + 400,
    });

    expect(next().discovery).toEqual({
      strategy: 'gossip',
      targets: ['10.0.0.1:9101', '10.0.0.2:9101'],
      targetCount: 2,
      targetsAt: T,
      attempts: [
        {
          target: '10.0.0.1:9101',
          attempt: 1,
          ok: false,
          durationMs: 3,
          error: 'ECONNREFUSED: connect ECONNREFUSED 10.0.0.1:9101',
          retryInMs: 200,
          at: T + 3,
        },
        // the result took the place of its attempt; the other target's attempt is still in flight
        { target: '10.0.0.1:9101', attempt: 2, ok: true, durationMs: 5, at: T + 208 },
        { target: '10.0.0.2:9101', attempt: 1, ok: null, at: T + 204 },
      ],
      connects: { ok: 1, failed: 1 },
      ignored: { malformed: 2, replay: 1 },
      lastError: { code: 'EADDRINUSE', message: 'gossip: cannot bind', at: T + 400 },
      stats: { announcements_received: 5, announcements_accepted: 2 },
    });

    // The section is the state, not the interval's news: a quiet interval repeats it.
    discovery.counters.announcements_received = 6;
    const quiet = next().discovery!;
    expect(quiet.attempts).toHaveLength(3);
    expect(quiet.stats.announcements_received).toBe(6);
  });

  it('agent discovery — what happened before the agent attached is replayed from recentEvents', () => {
    const discovery = new FakeDiscovery();
    discovery.emit({ kind: 'found', strategy: 'static', targets: ['127.0.0.1:9102'], at: T - 50 });
    discovery.emit({
      kind: 'connect_attempt',
      strategy: 'static',
      target: '127.0.0.1:9102',
      attempt: 1,
      at: T - 40,
    });
    discovery.emit({
      kind: 'connect_result',
      strategy: 'static',
      target: '127.0.0.1:9102',
      attempt: 1,
      ok: true,
      durationMs: 4,
      at: T - 36,
    });
    const { next } = setup({ discovery });
    const d = next().discovery!;
    expect(d.targets).toEqual(['127.0.0.1:9102']);
    expect(d.attempts).toEqual([
      { target: '127.0.0.1:9102', attempt: 1, ok: true, durationMs: 4, at: T - 36 },
    ]);
    expect(d.connects).toEqual({ ok: 1, failed: 0 });
  });

  it('agent discovery — every list and string is cut to the protocol limits, so the snapshot stays small and valid', () => {
    const discovery = new FakeDiscovery('x'.repeat(200));
    const targets = Array.from({ length: 100 }, (_, i) => `10.0.${i >> 8}.${i & 255}:9101`);
    discovery.emit({ kind: 'found', strategy: 'dns', targets, at: T });
    for (let i = 1; i <= 40; i++) {
      discovery.emit({
        kind: 'connect_result',
        strategy: 'dns',
        target: '10.0.0.1:9101',
        attempt: i,
        ok: false,
        durationMs: 1,
        error: 'e'.repeat(5_000),
        retryInMs: 30_000,
        at: T + i,
      });
    }
    for (let i = 0; i < 40; i++) {
      // a user strategy may use reasons of its own
      const reason = `reason_${i}` as 'malformed';
      discovery.emit({ kind: 'ignored', strategy: 'dns', reason, from: 'x', at: T });
    }
    // bad ones first, so that the limit counts only the keys that are kept
    discovery.counters = { 'bad key with spaces': 1, nan: Number.NaN };
    for (let i = 0; i < 40; i++) discovery.counters[`c${i}`] = i;
    const { next } = setup({ discovery });
    const s = next();
    const d = s.discovery!;
    expect(d.strategy).toHaveLength(64);
    expect(d.targets).toHaveLength(MAX_DISCOVERY_TARGETS);
    expect(d.targetCount).toBe(100);
    expect(d.attempts).toHaveLength(MAX_DISCOVERY_ATTEMPTS);
    expect(d.attempts.map((a) => a.attempt)).toEqual(
      Array.from({ length: MAX_DISCOVERY_ATTEMPTS }, (_, i) => 41 - MAX_DISCOVERY_ATTEMPTS + i),
    );
    expect(d.attempts[0]!.error).toHaveLength(MAX_DISCOVERY_ERROR_CHARS);
    expect(d.connects.failed).toBe(40);
    expect(Object.keys(d.ignored)).toHaveLength(MAX_DISCOVERY_COUNTERS);
    expect(Object.keys(d.stats)).toHaveLength(MAX_DISCOVERY_COUNTERS);
    expect(d.stats).not.toHaveProperty('nan');
    expect(JSON.stringify(d).length).toBeLessThan(20_000);
    // the agent's size estimate (batch limits) is not fooled by the section
    expect(estimateSnapshotBytes(s)).toBeGreaterThan(JSON.stringify(s).length);
  });

  it('agent discovery — a throwing stats() costs only the counters; detach unsubscribes; no option, no section', async () => {
    const discovery = new FakeDiscovery();
    discovery.failStats = true;
    const warnings: string[] = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (msg: string) => warnings.push(msg),
      error: () => undefined,
    };
    const { next, agent: attached } = setup({ discovery, logger });
    expect(discovery.listenerCount).toBe(1);
    expect(next().discovery).toMatchObject({ strategy: 'static', stats: {}, targets: [] });
    next();
    expect(warnings).toEqual(['discovery stats() threw']); // once, not every second
    await attached.detach();
    expect(discovery.listenerCount).toBe(0);

    const plain = setup();
    expect(plain.next().discovery).toBeUndefined();
  });

  it('agent discovery — events with a bad time or an empty target are ignored', () => {
    const discovery = new FakeDiscovery();
    const tracker = new DiscoveryTracker(discovery);
    discovery.emit({ kind: 'found', strategy: 'static', targets: ['', 'h:1'], at: -1 });
    discovery.emit({ kind: 'found', strategy: 'static', targets: ['', 'h:1', 'h:1'], at: T });
    discovery.emit({ kind: 'connect_attempt', strategy: 'static', target: '', attempt: 1, at: T });
    discovery.emit({
      kind: 'connect_attempt',
      strategy: 'static',
      target: 'h:1',
      attempt: Number.NaN,
      at: Number.POSITIVE_INFINITY,
    });
    const d = tracker.summary()!;
    expect(d.targets).toEqual(['h:1']);
    expect(d.targetsAt).toBe(T);
    expect(d.attempts).toEqual([]);
    tracker.close();
  });
});
