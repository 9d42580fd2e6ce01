/**
 * Pushes the live model to `/ui`: the whole model on connect, then after each change but at most
 * `UI_MODEL_MAX_HZ` times a second (changes in between are coalesced into the next push), new
 * timeline events alongside, and traffic rates once a second. Large clusters are pushed less
 * often: the gap after a push grows with what it carried (`UI_MODEL_GAP_MS_PER_LINK`,
 * `UI_TRAFFIC_GAP_MS_PER_ROW`), so a 100-node model reaches a page about once a second and its
 * megabytes of traffic every few, instead of 10 MB/s that the page could not parse.
 */
import type { ModelEvent } from '../../protocol/model.ts';
import {
  UI_MODEL_GAP_MS_PER_LINK,
  UI_MODEL_MAX_HZ,
  UI_TRAFFIC_GAP_MS_PER_ROW,
  UI_TRAFFIC_INTERVAL_MS,
} from '../../protocol/model.ts';
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
  let gapMs = minGapMs;
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
    const model = options.model.read();
    gapMs = Math.max(minGapMs, model.links.length * UI_MODEL_GAP_MS_PER_LINK);
    target.emit('model', model);
  };
  const schedule = () => {
    if (pending !== undefined) return;
    const wait = Math.max(0, lastPush + gapMs - timers.monotonic());
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
  let traffic: unknown;
  const pushTraffic = () => {
    let rows = 0;
    if (active()) {
      const read = options.traffic.read(timers.now());
      rows = read.rows.length;
      target.emit('traffic', read);
    }
    traffic = timers.setTimeout(
      pushTraffic,
      Math.max(UI_TRAFFIC_INTERVAL_MS, rows * UI_TRAFFIC_GAP_MS_PER_ROW),
    );
  };
  traffic = timers.setTimeout(pushTraffic, UI_TRAFFIC_INTERVAL_MS);
  return () => {
    offModel();
    offEvents();
    if (pending !== undefined) timers.clearTimeout(pending);
    timers.clearTimeout(traffic);
  };
}
