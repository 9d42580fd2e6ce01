import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../cluster/fake-clock.ts';
import { EventFeed } from './event-feed.ts';
import { hello, snapshot, upLinks } from './testing/fixtures.ts';
import { LiveModel } from './live-model.ts';
import { TrafficWindow } from './traffic-window.ts';
import { startUiPush, type PushTarget } from './ui-push.ts';

function setup() {
  const timers = new FakeClock();
  const model = new LiveModel({ now: () => timers.now() });
  const events = new EventFeed();
  const sent: { event: string; at: number; payload: unknown }[] = [];
  const target: PushTarget = {
    emit: (event, payload) => sent.push({ event, at: timers.now(), payload }),
    on: () => {},
  };
  const stop = startUiPush(target, { model, traffic: new TrafficWindow(), events, timers });
  return { timers, model, events, sent, stop };
}

describe('ui push', () => {
  it('ui push — many changes in a burst become at most ten model pushes a second', () => {
    const { timers, model, sent } = setup();
    model.agentConnected(hello('a'), 0);
    for (let seq = 1; seq <= 100; seq++) {
      model.applySnapshot(snapshot('a', seq), timers.now());
      timers.advance(10);
    }
    timers.advance(200);
    const pushes = sent.filter((s) => s.event === 'model').map((s) => s.at);
    expect(pushes.length).toBeGreaterThan(5);
    expect(pushes.length).toBeLessThanOrEqual(11);
    for (let i = 1; i < pushes.length; i++)
      expect(pushes[i]! - pushes[i - 1]!).toBeGreaterThanOrEqual(100);
    const last = sent.filter((s) => s.event === 'model').at(-1)?.payload as { version: number };
    expect(last.version).toBe(model.currentVersion);
  });

  it('ui push — a single change after a quiet period is pushed at once, with its events', () => {
    const { timers, model, events, sent } = setup();
    timers.advance(5_000);
    sent.length = 0;
    model.agentConnected(hello('a'), timers.now());
    events.server('a', { type: 'agent', at: 1, action: 'connected', bootId: 'b' });
    timers.advance(0);
    expect(sent.map((s) => s.event)).toEqual(['events', 'model']);
  });

  it('ui push — a 100-node model is pushed about once a second, however often it changes', () => {
    const { timers, model, sent } = setup();
    const names = Array.from({ length: 100 }, (_, i) => `n${i + 1}@h`);
    for (const n of names) model.agentConnected(hello(n), 0);
    for (const n of names) {
      const peers = names.filter((p) => p !== n);
      model.applySnapshot(snapshot(n, 1, { links: upLinks(...peers) }), 0);
    }
    expect(model.read().links).toHaveLength(4_950);
    timers.advance(2_000);
    sent.length = 0;
    // Every agent reports every second, in a stream of changes 10 ms apart, for 10 s.
    for (let step = 0; step < 1_000; step++) {
      const n = names[step % 100]!;
      const peers = names.filter((p) => p !== n);
      model.applySnapshot(snapshot(n, 2 + step, { links: upLinks(...peers) }), timers.now());
      timers.advance(10);
    }
    const pushes = sent.filter((s) => s.event === 'model').map((s) => s.at);
    expect(pushes.length).toBeGreaterThanOrEqual(8);
    expect(pushes.length).toBeLessThanOrEqual(11);
    for (let i = 1; i < pushes.length; i++)
      expect(pushes[i]! - pushes[i - 1]!).toBeGreaterThanOrEqual(990);
  });

  it('ui push — traffic is pushed every second, less often when it has many rows', () => {
    const { timers, sent } = setup();
    timers.advance(5_000);
    expect(sent.filter((s) => s.event === 'traffic').length).toBeGreaterThanOrEqual(4);
  });

  it('ui push — stop ends every push', () => {
    const { timers, model, sent, stop } = setup();
    stop();
    model.agentConnected(hello('a'), 0);
    timers.advance(5_000);
    expect(sent).toEqual([]);
  });
});
