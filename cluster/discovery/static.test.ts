import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from './backoff.ts';
import { fakeContext } from './testing/fake-context.ts';
import { staticStrategy } from './static.ts';

const opts = {
  initialMs: 100,
  maxMs: 1_000,
  jitter: 0,
  recheckIntervalMs: 50,
  connectTimeoutMs: 500,
};

describe('discovery backoff', () => {
  it('discovery backoff — doubles per failure up to the cap', () => {
    const o = { initialMs: 100, maxMs: 1_000, jitter: 0 };
    expect([1, 2, 3, 4, 5, 10].map((n) => backoffDelayMs(n, o))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });

  it('discovery backoff — jitter only shortens the delay', () => {
    const o = { initialMs: 100, maxMs: 1_000, jitter: 0.5 };
    expect(backoffDelayMs(3, o, () => 0)).toBe(400);
    expect(backoffDelayMs(3, o, () => 1)).toBe(200);
    expect(backoffDelayMs(3, o, () => 0.5)).toBe(300);
  });
});

describe('static discovery', () => {
  it('static discovery — connects to every seed at start and reports found and results', async () => {
    const f = fakeContext();
    f.reachable.add('127.0.0.1:9001');
    f.reachable.add('127.0.0.1:9002');
    const s = staticStrategy({
      ...opts,
      seeds: ['127.0.0.1:9001', 'b@127.0.0.1:9002', '127.0.0.1:9000'],
    });
    await s.start(f.ctx);
    await f.clock.advanceAsync(0);
    expect([...f.connected].sort()).toEqual(['127.0.0.1:9001', '127.0.0.1:9002']);
    const found = f.events.find((e) => e.kind === 'found');
    // its own address is never a target
    expect(found && found.kind === 'found' && found.targets).toEqual([
      '127.0.0.1:9001',
      '127.0.0.1:9002',
    ]);
    const results = f.events.filter((e) => e.kind === 'connect_result');
    expect(results).toHaveLength(2);
    expect(results.every((e) => e.kind === 'connect_result' && e.ok)).toBe(true);
    await s.stop();
  });

  it('static discovery — retries a dead seed with exponential backoff', async () => {
    const f = fakeContext();
    const s = staticStrategy({ ...opts, seeds: ['127.0.0.1:9001'] });
    await s.start(f.ctx);
    await f.clock.advanceAsync(0);
    expect(f.attempts).toHaveLength(1);
    await f.clock.advanceAsync(1_600);
    // failures at t=0, 100, 300, 700, 1500 (delays 100, 200, 400, 800)
    expect(f.attempts).toHaveLength(5);
    const delays = f.events.flatMap((e) => (e.kind === 'connect_result' ? [e.retryInMs] : []));
    expect(delays).toEqual([100, 200, 400, 800, 1_000]);
    // each failure says why, as the node's connect told it
    const errors = f.events.flatMap((e) => (e.kind === 'connect_result' ? [e.error] : []));
    expect(errors).toEqual(Array(5).fill('connect ECONNREFUSED 127.0.0.1:9001'));
    f.reachable.add('127.0.0.1:9001');
    await f.clock.advanceAsync(1_000);
    expect(f.connected.has('127.0.0.1:9001')).toBe(true);
    const last = f.events.at(-1);
    expect(last?.kind === 'connect_result' && last.ok && last.attempt).toBe(6);
    await s.stop();
  });

  for (const linkDownEvents of [true, false])
    it(`static discovery — reconnects a seed that went away and came back (${linkDownEvents ? 'woken by the link going down' : 'context without link-down events'})`, async () => {
      const f = fakeContext(undefined, undefined, { linkDownEvents });
      f.reachable.add('127.0.0.1:9001');
      const s = staticStrategy({ ...opts, seeds: ['127.0.0.1:9001'] });
      await s.start(f.ctx);
      await f.clock.advanceAsync(0);
      expect(f.connected.has('127.0.0.1:9001')).toBe(true);
      await f.clock.advanceAsync(5 * opts.recheckIntervalMs);
      // the peer goes down, stays down for a while, then returns
      f.drop('127.0.0.1:9001');
      f.reachable.delete('127.0.0.1:9001');
      const attempts = f.attempts.length;
      await f.clock.advanceAsync(opts.recheckIntervalMs);
      // re-checked, and tried, within one interval of the link going down
      expect(f.attempts.length).toBe(attempts + 1);
      await f.clock.advanceAsync(3_000);
      expect(f.connected.has('127.0.0.1:9001')).toBe(false);
      f.reachable.add('127.0.0.1:9001');
      await f.clock.advanceAsync(opts.maxMs + opts.recheckIntervalMs);
      expect(f.connected.has('127.0.0.1:9001')).toBe(true);
      await s.stop();
    });

  it('static discovery — no re-check timer while every seed is linked', async () => {
    const f = fakeContext();
    f.reachable.add('127.0.0.1:9001');
    f.reachable.add('127.0.0.1:9002');
    const s = staticStrategy({ ...opts, seeds: ['127.0.0.1:9001', '127.0.0.1:9002'] });
    await s.start(f.ctx);
    await f.clock.advanceAsync(2 * opts.recheckIntervalMs);
    expect(f.connected.size).toBe(2);
    // nothing left to re-check: no timer at all, so an idle node is not woken for discovery
    expect(f.clock.pending).toBe(0);
    const checks = f.checks.isConnected;
    await f.clock.advanceAsync(100 * opts.recheckIntervalMs);
    expect(f.checks.isConnected).toBe(checks);
    // one link goes down: the timer runs again until that seed is linked again
    f.drop('127.0.0.1:9002');
    expect(f.clock.pending).toBe(1);
    await f.clock.advanceAsync(opts.recheckIntervalMs);
    expect(f.connected.size).toBe(2);
    await f.clock.advanceAsync(opts.recheckIntervalMs);
    expect(f.clock.pending).toBe(0);
    await s.stop();
    expect(f.downListeners.size).toBe(0);
  });

  it('static discovery — a context without link-down events keeps re-checking', async () => {
    const f = fakeContext(undefined, undefined, { linkDownEvents: false });
    f.reachable.add('127.0.0.1:9001');
    const s = staticStrategy({ ...opts, seeds: ['127.0.0.1:9001'] });
    await s.start(f.ctx);
    await f.clock.advanceAsync(2 * opts.recheckIntervalMs);
    const checks = f.checks.isConnected;
    await f.clock.advanceAsync(10 * opts.recheckIntervalMs);
    expect(f.checks.isConnected).toBe(checks + 10);
    await s.stop();
  });

  it('static discovery — stop cancels all timers', async () => {
    const f = fakeContext();
    const s = staticStrategy({ ...opts, seeds: ['127.0.0.1:9001'] });
    await s.start(f.ctx);
    await f.clock.advanceAsync(10);
    await s.stop();
    const before = f.attempts.length;
    await f.clock.advanceAsync(10_000);
    expect(f.attempts.length).toBe(before);
    expect(f.clock.pending).toBe(0);
  });
});
