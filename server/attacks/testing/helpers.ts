/**
 * Helpers of the attack tests: a real observatory server (temp SQLite file, port 0) and raw HTTP
 * requests whose headers the test controls entirely (`fetch` will not send a forged `Host`).
 */
import { request } from 'node:http';
import { io, type Socket } from 'socket.io-client';
import { UI_NAMESPACE, UI_SOCKET_IO_PATH } from '../../../protocol/constants.ts';
import { freshSqlite, type TestDatabase } from '../../store/testing/databases.ts';
import { startServer, type RunningServer, type StartServerOptions } from '../../start.ts';

export const ADMIN_TOKEN = 'admin-token-for-attack-tests';
export const AGENT_SECRET = 'agent-secret-for-attack-tests';

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTP request to `url` with exactly these headers. */
export function raw(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method,
        headers: {
          ...(body !== undefined && { 'content-length': String(Buffer.byteLength(body)) }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A running server and what it needs to be torn down. */
export class AttackServer {
  server: RunningServer | undefined;
  private database: TestDatabase | undefined;
  private readonly sockets: Socket[] = [];

  async start(extra: Partial<StartServerOptions> = {}): Promise<RunningServer> {
    this.database = freshSqlite();
    this.server = await startServer({
      port: 0,
      databaseUrl: this.database.url,
      adminToken: ADMIN_TOKEN,
      agentToken: AGENT_SECRET,
      dashboard: false,
      ...extra,
    });
    return this.server;
  }

  /** A socket.io client that is disconnected at teardown. */
  track<S extends Socket>(socket: S): S {
    this.sockets.push(socket);
    return socket;
  }

  /** A `/ui` client on one transport with extra headers. */
  ui(transport: 'polling' | 'websocket', extraHeaders: Record<string, string> = {}): Socket {
    return this.track(
      io(`${this.server!.url}${UI_NAMESPACE}`, {
        path: UI_SOCKET_IO_PATH,
        transports: [transport],
        upgrade: false,
        reconnection: false,
        extraHeaders,
      }),
    );
  }

  async stop(): Promise<void> {
    this.sockets.splice(0).forEach((s) => s.disconnect());
    await this.server?.close();
    this.server = undefined;
    await this.database?.drop();
    this.database = undefined;
  }
}

/** Resolves with 'connected' or the connect error's message. */
export function outcome(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (error) => resolve(`refused: ${error.message}`));
  });
}

/** Signs in as the dashboard does; returns the `Cookie` header value. */
export async function signIn(url: string): Promise<string> {
  const answer = await raw(
    `${url}/api/session`,
    'POST',
    { 'content-type': 'application/json', origin: url },
    JSON.stringify({ token: ADMIN_TOKEN }),
  );
  if (answer.status !== 200) throw new Error(`sign-in failed: ${answer.status} ${answer.body}`);
  const setCookie = String(answer.headers['set-cookie']);
  return setCookie.slice(0, setCookie.indexOf(';'));
}
