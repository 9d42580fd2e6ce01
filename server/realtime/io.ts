/**
 * socket.io on the observatory's HTTP server: `/ui` for dashboards, `/agent` for the agents
 * embedded in nodes. Ingest and the live model attach their handlers to these namespaces.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import { Server, type Namespace } from 'socket.io';
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
export function createRealtime(httpServer: HttpServer, options: RealtimeOptions): Realtime {
  const io = new Server(httpServer, { path: SOCKET_IO_PATH, serveClient: false });
  const ui: UiNamespace = io.of(UI_NAMESPACE);
  const agent = io.of(AGENT_NAMESPACE);
  agent.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown };
    next(sameSecret(auth.token, options.agentToken) ? undefined : new AgentAuthError());
  });
  return { io, ui, agent };
}
