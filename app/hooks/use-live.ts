'use client';
/**
 * The live cluster from the `/ui` socket (model, traffic, events, server status), seeded by
 * `GET /api/cluster` so the page has content before the socket connects. socket.io reconnects by
 * itself; `connected` drives the "disconnected" banner.
 */
import { startTransition, useEffect, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { UI_NAMESPACE, UI_SOCKET_IO_PATH } from '../../protocol/constants.ts';
import type {
  ClusterModel,
  ModelEvent,
  ModelServerToClientEvents,
  TrafficModel,
} from '../../protocol/model.ts';
import type {
  UiClientToServerEvents,
  UiServerToClientEvents,
  UiStatus,
} from '../../protocol/ui.ts';
import { clusterModelSchema, trafficModelSchema } from '../../protocol/http.ts';
import { getJson } from '../lib/api.ts';
import { mergeEvents } from '../lib/events.ts';
import { livePoints, type LivePoints } from '../lib/history.ts';

/** Live events kept in memory; older ones come from `GET /api/events` when a range needs them. */
export const LIVE_EVENTS_LIMIT = 2_000;

export interface LiveState {
  /** null until the first connect attempt settles */
  readonly connected: boolean | null;
  readonly model: ClusterModel | null;
  readonly status: UiStatus | null;
  /** events pushed since the page loaded */
  readonly events: readonly ModelEvent[];
  /**
   * The traffic pushes as chart points, oldest first, for charts when the store has no history;
   * renewed with `trafficView`.
   */
  readonly trafficLog: readonly LivePoints[];
  /**
   * The latest traffic push, renewed at most every `TRAFFIC_VIEW_MS`: the topology's link widths
   * and the matrix (a thousand cells at 32 nodes) follow 5-second averages, and the charts move in
   * 5-second steps, so taking every one-second push would redraw them for nothing.
   */
  readonly trafficView: TrafficModel | null;
}

export const TRAFFIC_VIEW_MS = 5_000;

/** Traffic pushes kept (one a second: five minutes). */
export const TRAFFIC_LOG_LIMIT = 300;

type UiSocket = Socket<UiServerToClientEvents & ModelServerToClientEvents, UiClientToServerEvents>;

/**
 * The model is the urgent path (a node going down must show at once) and is set as it arrives.
 * Events and traffic feed the timeline and charts: they are set in transitions, which React
 * renders in slices and interrupts for a model update, so a burst of events never delays a status.
 */
export function useLive(): LiveState {
  const [connected, setConnected] = useState<boolean | null>(null);
  const [model, setModel] = useState<ClusterModel | null>(null);
  const [status, setStatus] = useState<UiStatus | null>(null);
  const [events, setEvents] = useState<readonly ModelEvent[]>([]);
  const [trafficLog, setTrafficLog] = useState<readonly LivePoints[]>([]);
  const [trafficView, setTrafficView] = useState<TrafficModel | null>(null);

  useEffect(() => {
    let stopped = false;
    // Pushes since the last publication, and when that was (the push's own clock).
    let pending: LivePoints[] = [];
    let shownAt = -Infinity;
    void getJson('/api/cluster', clusterModelSchema).then((r) => {
      // The socket's model is newer whenever it has arrived first.
      if (!stopped && r.ok) setModel((m) => m ?? r.data);
    });
    void getJson('/api/traffic', trafficModelSchema).then((r) => {
      if (!stopped && r.ok) setTrafficView((t) => t ?? r.data);
    });
    const socket: UiSocket = io(UI_NAMESPACE, {
      path: UI_SOCKET_IO_PATH,
      reconnectionDelayMax: 2_000,
    });
    socket.on('connect', () => setConnected(true));
    socket.on('disconnect', () => setConnected(false));
    socket.on('connect_error', () => setConnected(false));
    socket.on('status', setStatus);
    socket.on('model', (next) => setModel((m) => (m !== null && m.at > next.at ? m : next)));
    socket.on('traffic', (next) => {
      pending.push(livePoints(next));
      if (next.at - shownAt < TRAFFIC_VIEW_MS) return;
      shownAt = next.at;
      const fresh = pending;
      pending = [];
      startTransition(() => {
        setTrafficView(next);
        setTrafficLog((log) => [...log, ...fresh].slice(-TRAFFIC_LOG_LIMIT));
      });
    });
    socket.on('events', (more) =>
      startTransition(() => setEvents((held) => mergeEvents(held, more, LIVE_EVENTS_LIMIT))),
    );
    return () => {
      stopped = true;
      socket.disconnect();
    };
  }, []);

  return { connected, model, status, events, trafficLog, trafficView };
}
