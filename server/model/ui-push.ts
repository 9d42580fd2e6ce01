/**
 * Pushes the live model to `/ui`: the whole model on connect, then after each change but at most
 * `UI_MODEL_MAX_HZ` times a second (changes in between are coalesced into the next push), new
 * timeline events alongside, and traffic rates once a second.
 */
import type { ModelEvent } from '../../protocol/model.ts';
import { UI_MODEL_MAX_HZ, UI_TRAFFIC_INTERVAL_MS } from '../../protocol/model.ts';
import type { ModelServerToClientEvents } from '../../protocol/model.ts';
import type { EventFeed } from './event-feed.ts';
import type { LiveModel } from './live-model.ts';
import type { TrafficWindow } from './traffic-window.ts';
import { systemClock, type Clock } from '../clock.ts';

/** The server's clock port, so coalescing is tested with fake time. */
export type PushTimers = Clock;

export const realTimers: PushTimers = systemClock;

type Emit = <E extends keyof ModelServerToClientEvents>(
  event: E,
  ...args: Parameters<ModelServerToClientEvents[E]>
) => void;

/** The parts of a socket.io namespace the push needs. */
export interface PushTarget {
  emit: Emit;
  on(event: 'connection', listener: (socket: { emit: Emit }) => void): void;
}

export interface UiPushOptions {
  readonly model: LiveModel;
  readonly traffic: TrafficWindow;
  readonly events: EventFeed;
  readonly timers?: PushTimers;
  readonly maxHz?: number;
  /** false while no dashboard is connected: nothing is computed or sent. Default always true. */
  readonly active?: () => boolean;
}

/** Starts pushing; returns a function that stops. */
export function startUiPush(target: PushTarget, options: UiPushOptions): () => void {
  const timers = options.timers ?? realTimers;
  const minGapMs = 1000 / (options.maxHz ?? UI_MODEL_MAX_HZ);
  let lastPush = Number.NEGATIVE_INFINITY;
  let pending: unknown;
  let queued: ModelEvent[] = [];

  const active = options.active ?? (() => true);
  const push = () => {
    pending = undefined;
    if (!active()) {
      queued = [];
      return;
    }
    lastPush = timers.monotonic();
    if (queued.length > 0) {
      const events = queued;
      queued = [];
      target.emit('events', events);
    }
    target.emit('model', options.model.read());
  };
  const schedule = () => {
    if (pending !== undefined) return;
    const wait = Math.max(0, lastPush + minGapMs - timers.monotonic());
    pending = timers.setTimeout(push, wait);
  };

  const offModel = options.model.onChange(schedule);
  const offEvents = options.events.subscribe((events) => {
    queued.push(...events);
    schedule();
  });
  target.on('connection', (socket) => {
    socket.emit('model', options.model.read());
    socket.emit('traffic', options.traffic.read(timers.now()));
  });
  const traffic = timers.setInterval(() => {
    if (active()) target.emit('traffic', options.traffic.read(timers.now()));
  }, UI_TRAFFIC_INTERVAL_MS);
  return () => {
    offModel();
    offEvents();
    if (pending !== undefined) timers.clearTimeout(pending);
    timers.clearInterval(traffic);
  };
}
