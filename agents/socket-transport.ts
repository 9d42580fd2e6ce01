import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { Clock, Logger } from '../cluster/api.ts';
import type { AgentHello, AgentToServerEvents, ServerToAgentEvents } from '../protocol/agent.ts';
import { AGENT_NAMESPACE, SOCKET_IO_PATH } from '../protocol/agent.ts';
import type { AgentTransport, TransportHandlers } from './stream.ts';
import { DEFAULT_RECONNECT_DELAY_MAX_MS, DEFAULT_RECONNECT_DELAY_MS } from './defaults.ts';

export interface SocketTransportOptions {
  /** observatory base URL, e.g. `http://127.0.0.1:3000` */
  readonly url: string;
  /** built at every connection attempt, so `now` is fresh */
  readonly hello: () => AgentHello;
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly reconnectDelayMs?: number;
  readonly reconnectDelayMaxMs?: number;
  /** PEM CA(s) trusted for an https observatory with a private CA */
  readonly ca?: string | string[];
}

/** The `/agent` namespace over socket.io-client (WebSocket only: no long-polling from nodes). */
export function socketTransport(options: SocketTransportOptions): AgentTransport {
  let socket: Socket<ServerToAgentEvents, AgentToServerEvents> | undefined;
  let retry: unknown;
  let closed = false;
  const delayMax = options.reconnectDelayMaxMs ?? DEFAULT_RECONNECT_DELAY_MAX_MS;

  return {
    open(handlers: TransportHandlers) {
      const s: Socket<ServerToAgentEvents, AgentToServerEvents> = io(
        new URL(AGENT_NAMESPACE, options.url).href,
        {
          auth: (cb) => cb(options.hello()),
          path: SOCKET_IO_PATH,
          transports: ['websocket'],
          reconnectionDelay: options.reconnectDelayMs ?? DEFAULT_RECONNECT_DELAY_MS,
          reconnectionDelayMax: delayMax,
          autoConnect: false,
          ...(options.ca !== undefined && { ca: options.ca }),
        },
      );
      socket = s;
      s.on('connect', () => handlers.onConnect());
      s.on('disconnect', (reason) => handlers.onDisconnect(reason));
      s.on('welcome', (welcome) => handlers.onWelcome(welcome));
      s.on('command', (command, reply) => {
        handlers.onCommand(command, (ack) => {
          if (typeof reply === 'function') reply(ack);
        });
      });
      s.on('connect_error', (error) => {
        const data: unknown = (error as { data?: unknown }).data;
        options.logger?.warn('observatory connection failed', { error: error.message, data });
        // A refusal by the server's middleware stops socket.io's own retries; a server that is
        // still starting may refuse, so keep trying at the slowest pace.
        if (!s.active && !closed && retry === undefined) {
          retry = options.clock.setTimeout(() => {
            retry = undefined;
            if (!closed) s.connect();
          }, delayMax);
        }
      });
      s.connect();
    },
    send(batch, timeoutMs, done) {
      if (socket === undefined || !socket.connected) {
        done(new Error('not connected'));
        return;
      }
      socket.timeout(timeoutMs).emit('snapshots', batch, (error: Error | null, ack: unknown) => {
        done(error ?? ack);
      });
    },
    sendUrgent(event) {
      if (socket === undefined || !socket.connected) return;
      socket.emit('urgent', event);
    },
    close() {
      closed = true;
      if (retry !== undefined) options.clock.clearTimeout(retry);
      socket?.disconnect();
    },
  };
}
