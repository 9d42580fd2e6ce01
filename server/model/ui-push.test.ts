import { describe, expect, it } from 'vitest';
import { EventFeed } from './event-feed.ts';
import { hello, snapshot } from './fixtures.ts';
import { LiveModel } from './live-model.ts';
import { TrafficWindow } from './traffic-window.ts';
import { startUiPush, type PushTarget, type PushTimers } from './ui-push.ts';

class FakeTimers implements PushTimers {
  time = 0;
  private timers = new Map<number, { at: number; fn: () => void; every?: number }>();
  private id = 0;
  now = () => this.time;
  setTimeout = (fn: () => void, ms: number) => {
    this.timers.set(++this.id, { at: this.time + ms, fn });
    return this.id;
  };
  clearTimeout = (h: unknown) => void this.timers.delete(h as number);
  setInterval = (fn: () => void, ms: number) => {
    this.timers.set(++this.id, { at: this.time + ms, fn, every: ms });
    return this.id;
  };
  clearInterval = (h: unknown) => void this.timers.delete(h as number);
  advance(ms: number) {
    const end = this.time + ms;
    for (let guard = 0; guard < 10_000; guard++) {
      const due = [...this.timers]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      const [id, t] = due;
      this.time = t.at;
      if (t.every !== undefined) t.at += t.every;
      else this.timers.delete(id);
      t.fn();
    }
    this.time = end;
  }
}

function setup() {
  const timers = new FakeTimers();
  const model = new LiveModel({ now: timers.now });
  const events = new EventFeed();
  const sent: { event: string; at: number; payload: unknown }[] = [];
  const target: PushTarget = {
    emit: (event, payload) => sent.push({ event, at: timers.time, payload }),
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
      model.applySnapshot(snapshot('a', seq), timers.time);
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
    model.agentConnected(hello('a'), timers.time);
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
