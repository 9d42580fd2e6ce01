import { describe, expect, it } from 'vitest';
import type { AgentConnection } from '../../ingest/ports.ts';
import type { ProxyAgent } from './beam-proxy.ts';
import { withBeamProxyAgents } from './control-agents.ts';
import { ProxyFaults, type FaultClock } from './faults.ts';

function fakeClock() {
  let now = 1_000;
  const timers: { at: number; fn: () => void; live: boolean }[] = [];
  const clock: FaultClock = {
    now: () => now,
    setTimeout(fn, ms) {
      const t = { at: now + ms, fn, live: true };
      timers.push(t);
      return t;
    },
    clearTimeout(h) {
      (h as { live: boolean }).live = false;
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (const t of timers.filter((t) => t.live && t.at <= now)) {
      t.live = false;
      t.fn();
    }
  };
  return { clock, advance };
}

const part = (id: string, peers: string[], ttlMs = 5_000) => ({
  id,
  type: 'partition',
  args: { peers },
  ttlMs,
});

describe('proxy faults', () => {
  it('proxy faults — a partition held by either side cuts the pair both ways until its TTL', () => {
    const { clock, advance } = fakeClock();
    const f = new ProxyFaults(clock);
    let changes = 0;
    f.onChange(() => changes++);
    const ack = f.command('a', part('c1', ['b']));
    expect(ack).toMatchObject({ ok: true, appliedAt: 1_000, expiresAt: 6_000 });
    expect(f.cut('a', 'b')).toBe(true);
    expect(f.cut('b', 'a')).toBe(true);
    expect(f.cut('a', 'c')).toBe(false);
    advance(4_999);
    expect(f.cut('a', 'b')).toBe(true);
    advance(1);
    expect(f.cut('a', 'b')).toBe(false);
    expect(changes).toBe(2);
    expect(f.takeEvents('a').map((e) => e.type === 'fault' && `${e.action}:${e.reason}`)).toEqual([
      'applied:command',
      'reverted:ttl',
    ]);
  });

  it('proxy faults — an id applies once; a different body under the same id is refused', () => {
    const f = new ProxyFaults(fakeClock().clock);
    f.command('a', part('c1', ['b']));
    expect(f.command('a', part('c1', ['b']))).toMatchObject({ ok: true, repeated: true });
    expect(f.command('a', part('c1', ['c']))).toMatchObject({
      ok: false,
      error: { code: 'duplicate_conflict' },
    });
    expect(f.active('a')).toHaveLength(1);
  });

  it('proxy faults — heal with peers reverts only the faults naming them; latency is per direction', () => {
    const f = new ProxyFaults(fakeClock().clock);
    f.command('a', part('c1', ['b']));
    f.command('a', part('c2', ['c']));
    f.command('a', {
      id: 'c3',
      type: 'latency',
      args: { peers: ['b'], delayMs: 50 },
      ttlMs: 9_000,
    });
    expect(f.delay('a', 'b')).toEqual({ delayMs: 50, jitterMs: 0 });
    expect(f.delay('b', 'a')).toBeUndefined();
    f.command('a', { id: 'h1', type: 'heal', args: { peers: ['b'] } });
    expect(f.cut('a', 'b')).toBe(false);
    expect(f.cut('a', 'c')).toBe(true);
    expect(f.delay('a', 'b')).toBeUndefined();
  });

  it('proxy faults — bad commands are refused with a clear code; kill is not the proxy’s', () => {
    const f = new ProxyFaults(fakeClock().clock);
    expect(
      f.command('a', { id: 'x', type: 'partition', args: { peers: [] }, ttlMs: 1 }),
    ).toMatchObject({
      ok: false,
      error: { code: 'bad_command' },
    });
    expect(f.command('a', { id: 'k', type: 'kill' })).toMatchObject({
      ok: false,
      error: { code: 'unsupported' },
    });
  });

  it('proxy faults — the control directory sends link commands to the proxy, kill to the node’s own agent', async () => {
    const sent: string[] = [];
    const own: AgentConnection = {
      node: 'b1@h',
      bootId: 'x',
      hidden: false,
      capabilities: ['kill'],
      command: (c) => {
        sent.push(`own ${c.type}`);
        return Promise.resolve({ id: c.id, ok: true, appliedAt: 0, expiresAt: null });
      },
    };
    const proxied: ProxyAgent = {
      ...own,
      capabilities: ['partition', 'heal', 'latency'],
      command: (c) => {
        sent.push(`proxy ${c.type}`);
        return Promise.resolve({ id: c.id, ok: true, appliedAt: 0, expiresAt: null });
      },
    };
    const dir = withBeamProxyAgents(
      { agent: (n) => (n === own.node ? own : undefined), agents: () => [own] },
      { agent: (n) => (n === own.node ? proxied : undefined), agents: () => [proxied] },
    );
    const a = dir.agent('b1@h')!;
    expect([...a.capabilities].sort()).toEqual(['heal', 'kill', 'latency', 'partition']);
    await a.command({ id: '1', type: 'kill' }, 1_000);
    await a.command({ id: '2', type: 'heal' }, 1_000);
    expect(sent).toEqual(['own kill', 'proxy heal']);
    expect(dir.agents()).toHaveLength(1);
  });
});
