import { afterEach, describe, expect, it } from 'vitest';
import { healthSchema } from '../protocol/http.ts';
import { io, type Socket } from 'socket.io-client';
import { AGENT_NAMESPACE, UI_NAMESPACE, UI_SOCKET_IO_PATH } from '../protocol/constants.ts';
import type { UiClientToServerEvents, UiServerToClientEvents, UiStatus } from '../protocol/ui.ts';
import { agentCredential } from './ingest/credentials.ts';
import { AGENT_UNAUTHORIZED_MESSAGE } from './ingest/validate.ts';
import { openDb } from './store/client.ts';
import { freshSqlite, type TestDatabase } from './store/testing/databases.ts';
import { startServer, type RunningServer } from './start.ts';

const AGENT_TOKEN = 'agent-token-for-tests';

/** A valid `AgentHello` (protocol/agent.ts) with `token`. */
const hello = (token: string) => ({
  token,
  protocol: 1,
  node: 'a@127.0.0.1',
  bootId: 'boot-1',
  hidden: false,
  address: '127.0.0.1:9101',
  intervalMs: 1_000,
  capabilities: [],
  now: Date.now(),
});

describe('server', () => {
  let server: RunningServer | undefined;
  let database: TestDatabase | undefined;
  const sockets: Socket[] = [];

  afterEach(async () => {
    sockets.splice(0).forEach((s) => s.disconnect());
    await server?.close();
    server = undefined;
    await database?.drop();
    database = undefined;
  });

  async function start(extra: { drillRunsKept?: number } = {}): Promise<RunningServer> {
    database = freshSqlite();
    server = await startServer({
      port: 0,
      databaseUrl: database.url,
      adminToken: 'admin-token-for-tests',
      agentToken: AGENT_TOKEN,
      dashboard: false,
      ...extra,
    });
    return server;
  }

  function connect<S extends Socket>(
    url: string,
    auth?: Record<string, unknown>,
    path?: string,
  ): S {
    const socket = io(url, {
      transports: ['websocket'],
      reconnection: false,
      auth,
      ...(path !== undefined && { path }),
    }) as S;
    sockets.push(socket);
    return socket;
  }

  function nextStatus(
    socket: Socket<UiServerToClientEvents, UiClientToServerEvents>,
    where: (s: UiStatus) => boolean,
  ) {
    return new Promise<UiStatus>((resolve) => {
      const listener = (status: UiStatus) => {
        if (!where(status)) return;
        socket.off('status', listener);
        resolve(status);
      };
      socket.on('status', listener);
    });
  }

  it('server — listens on a free port and answers /api/health with the store up', async () => {
    const { url, port, bootId } = await start();
    expect(port).toBeGreaterThan(0);
    expect(url).toBe(`http://127.0.0.1:${port}`);
    const response = await fetch(`${url}/api/health`);
    expect(response.status).toBe(200);
    expect(healthSchema.parse(await response.json())).toMatchObject({
      status: 'ok',
      bootId,
      database: { provider: 'sqlite', ok: true },
    });
    expect((await fetch(`${url}/api/health`, { method: 'POST' })).status).toBe(405);
  });

  it('server — pushes a changing status on /ui and counts authenticated agents', async () => {
    const { url, bootId } = await start();
    const ui = connect<Socket<UiServerToClientEvents, UiClientToServerEvents>>(
      `${url}${UI_NAMESPACE}`,
      undefined,
      UI_SOCKET_IO_PATH,
    );
    const first = await nextStatus(ui, () => true);
    expect(first).toMatchObject({ bootId, agentsConnected: 0 });

    const agent = connect(
      `${url}${AGENT_NAMESPACE}`,
      hello(agentCredential(AGENT_TOKEN, 'a@127.0.0.1')),
    );
    await new Promise<void>((resolve) => agent.on('connect', resolve));
    const later = await nextStatus(ui, (s) => s.agentsConnected === 1);
    expect(later.uptimeMs).toBeGreaterThan(first.uptimeMs);
  });

  it('server — keeps as many drill runs as drillRunsKept says, 200 by default', async () => {
    expect((await start()).context.observatory.drills.kept).toBe(200);
    await server?.close();
    await database?.drop();
    expect((await start({ drillRunsKept: 7 })).context.observatory.drills.kept).toBe(7);
  });

  it('server — refuses an agent with a wrong token', async () => {
    const { url } = await start();
    const agent = connect(`${url}${AGENT_NAMESPACE}`, hello('wrong'));
    const error = await new Promise<Error & { data?: unknown }>((resolve) =>
      agent.on('connect_error', resolve),
    );
    expect(error.data).toEqual({ code: 'unauthorized', message: AGENT_UNAUTHORIZED_MESSAGE });
  });

  it('server — records its boot at start and its clean stop at close', async () => {
    const running = await start();
    const bootId = running.bootId;
    await running.close();
    server = undefined;
    const db = await openDb(database!.url);
    try {
      const boot = await db.serverBoot.findUniqueOrThrow({ where: { id: bootId } });
      expect(boot.stoppedAt).toBeInstanceOf(Date);
      expect(boot.stoppedAt!.getTime()).toBeGreaterThanOrEqual(boot.startedAt.getTime());
    } finally {
      await db.$disconnect();
    }
  });

  it('server — a second server in the same process is refused', async () => {
    await start();
    await expect(
      startServer({
        port: 0,
        databaseUrl: database!.url,
        adminToken: 'x'.repeat(16),
        agentToken: 'y'.repeat(8),
        dashboard: false,
      }),
    ).rejects.toMatchObject({ code: 'SERVER_ALREADY_RUNNING' });
  });
});
