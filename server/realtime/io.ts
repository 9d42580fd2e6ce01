/**
 * socket.io on the observatory's HTTP server: `/ui` for dashboards, `/agent` for the agents
 * embedded in nodes. Ingest and the live model attach their handlers to these namespaces.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import { Server, type Namespace } from 'socket.io';
import { AGENT_MAX_HTTP_BUFFER_BYTES } from '../../protocol/agent.ts';
import { AGENT_NAMESPACE, SOCKET_IO_PATH, UI_NAMESPACE } from '../../protocol/constants.ts';
import type { UiClientToServerEvents, UiServerToClientEvents } from '../../protocol/ui.ts';

export type UiNamespace = Namespace<UiClientToServerEvents, UiServerToClientEvents>;

export interface Realtime {
  readonly io: Server;
  readonly ui: UiNamespace;
  readonly agent: Namespace;
}

export interface RealtimeOptions {
  /** Agents must present this as `auth.token` when connecting to `/agent`. */
  readonly agentToken: string;
}

/** Error sent to an agent whose token is missing or wrong (socket.io `connect_error`). */
export class AgentAuthError extends Error {
  readonly code = 'AGENT_UNAUTHORIZED';
  readonly data = { code: 'AGENT_UNAUTHORIZED' };
  constructor() {
    super('agent token missing or invalid');
    this.name = 'AgentAuthError';
  }
}

/** Compares secrets in constant time, so response timing does not leak a prefix match. */
export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Attaches socket.io to `httpServer` with both namespaces. */
export function createRealtime(httpServer: HttpServer, _options: RealtimeOptions): Realtime {
  // Agents replay up to MAX_SNAPSHOT_BATCH_BYTES per batch; socket.io's 1 MB default is too small.
  const io = new Server(httpServer, {
    path: SOCKET_IO_PATH,
    serveClient: false,
    maxHttpBufferSize: AGENT_MAX_HTTP_BUFFER_BYTES,
  });
  const ui: UiNamespace = io.of(UI_NAMESPACE);
  const agent = io.of(AGENT_NAMESPACE);
  // Ingest (server/ingest) installs the /agent middleware: token and the whole hello, with the
  // protocol's error data (`AgentConnectErrorData`); `options.agentToken` is what it checks.
  return { io, ui, agent };
}
