import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../cluster/fake-clock.ts';
import { EventFeed } from './event-feed.ts';
import { hello, snapshot } from './testing/fixtures.ts';
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

  it('ui push — stop ends every push', () => {
    const { timers, model, sent, stop } = setup();
    stop();
    model.agentConnected(hello('a'), 0);
    timers.advance(5_000);
    expect(sent).toEqual([]);
  });
});
