/**
 * socket.io on the observatory's HTTP server: `/ui` for dashboards, `/agent` for the agents
 * embedded in nodes. Ingest and the live model attach their handlers to these namespaces.
 *
 * Two socket.io servers on two paths, because engine.io's buffer limit is per server: agents
 * send batches of up to a few MB, dashboards send nothing, and an anonymous browser should not
 * be able to make us buffer megabytes. The `/ui` server also refuses, on both transports and
 * before any session exists, a request for another host name (DNS rebinding) or from another
 * origin (a page on another site reading the cluster).
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { Server, type Namespace, type ServerOptions } from 'socket.io';
import { AGENT_MAX_HTTP_BUFFER_BYTES } from '../../protocol/agent.ts';
import {
  AGENT_NAMESPACE,
  SOCKET_IO_PATH,
  UI_MAX_HTTP_BUFFER_BYTES,
  UI_NAMESPACE,
  UI_SOCKET_IO_PATH,
} from '../../protocol/constants.ts';
import type { UiClientToServerEvents, UiServerToClientEvents } from '../../protocol/ui.ts';
import {
  foreignReaderReason,
  isAllowedHost,
  originPolicy,
  type OriginPolicy,
} from '../http/origin.ts';

type UiNamespace = Namespace<UiClientToServerEvents, UiServerToClientEvents>;

export interface Realtime {
  /** dashboards, on their own socket.io server (path `/socket.io-ui`) */
  readonly ui: UiNamespace;
  /** agents (path `/socket.io`) */
  readonly agent: Namespace;
  /** Disconnects every socket of both servers, then closes the HTTP server. */
  close(): Promise<void>;
}

export interface RealtimeOptions {
  /** host names and origins the `/ui` server accepts; default loopback only */
  readonly policy?: OriginPolicy;
  /** told why a `/ui` request was refused */
  readonly log?: (line: string) => void;
  /**
   * The `/agent` server's adapter: the PostgreSQL one when several servers share a store
   * (server/multi/bus.ts). `/ui` always keeps the in-memory one: each server pushes its own model.
   * @default socket.io's in-memory adapter
   */
  readonly agentAdapter?: ServerOptions['adapter'];
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** Why a `/ui` request must be refused, or undefined. Runs for polling and websocket alike. */
function uiRefusal(req: IncomingMessage, policy: OriginPolicy): string | undefined {
  const host = first(req.headers.host);
  if (!isAllowedHost(host, policy)) return `Host ${JSON.stringify(host ?? '')}`;
  return foreignReaderReason(
    {
      host,
      origin: first(req.headers.origin),
      'sec-fetch-site': first(req.headers['sec-fetch-site']),
    },
    policy,
  );
}

/** Attaches both socket.io servers to `httpServer`. */
export function createRealtime(httpServer: HttpServer, options: RealtimeOptions = {}): Realtime {
  const policy = options.policy ?? originPolicy('127.0.0.1');
  // Agents replay up to MAX_SNAPSHOT_BATCH_BYTES per batch; socket.io's 1 MB default is too small.
  const io = new Server(httpServer, {
    path: SOCKET_IO_PATH,
    serveClient: false,
    maxHttpBufferSize: AGENT_MAX_HTTP_BUFFER_BYTES,
    ...(options.agentAdapter !== undefined && { adapter: options.agentAdapter }),
  });
  const uiIo = new Server(httpServer, {
    path: UI_SOCKET_IO_PATH,
    serveClient: false,
    maxHttpBufferSize: UI_MAX_HTTP_BUFFER_BYTES,
    // A `cors` setting only decides which answers a browser may read; this refuses the request.
    allowRequest: (req, callback) => {
      const reason = uiRefusal(req, policy);
      if (reason !== undefined) options.log?.(`ui: refused a connection (${reason})`);
      callback(reason === undefined ? null : `forbidden: ${reason}`, reason === undefined);
    },
  });
  const ui: UiNamespace = uiIo.of(UI_NAMESPACE);
  const agent = io.of(AGENT_NAMESPACE);
  // Ingest (server/ingest) installs the /agent middleware: credentials and the whole hello,
  // with the protocol's error data (`AgentConnectErrorData`).
  return {
    ui,
    agent,
    async close() {
      // Each closes the HTTP server; the second call finds it closing and returns at once.
      await Promise.all([uiIo.close(), io.close()]);
    },
  };
}
