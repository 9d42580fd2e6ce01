/**
 * The `/ui` namespace contract: what the server pushes to dashboards and what dashboards may send.
 * Typed event maps for both directions, as socket.io's `lib/socket-types.ts` does.
 */
import type { ModelServerToClientEvents } from './model.ts';

/** The server's own heartbeat, pushed every `UI_STATUS_INTERVAL_MS`. */
export interface UiStatus {
  /** Random id of this server process; changes on every restart. */
  readonly bootId: string;
  /** ms since this server process started. */
  readonly uptimeMs: number;
  /** Agents currently connected to `/agent`. */
  readonly agentsConnected: number;
  /** Server clock, ms since epoch, when this status was taken. */
  readonly at: number;
  /** Observatory version (package.json). */
  readonly version: string;
}

/** Events the server emits on `/ui`: its status, and the live model's pushes (protocol/model.ts). */
export interface UiServerToClientEvents extends ModelServerToClientEvents {
  status: (status: UiStatus) => void;
}

/** Events a dashboard may emit on `/ui`. None yet: dashboards act through the HTTP API. */
export type UiClientToServerEvents = Record<never, never>;
