/**
 * Starts one observatory server: store (migrated) → HTTP server → socket.io → Next.js → live
 * pushes. `server/main.ts` runs it from the environment; the lab launcher and tests embed it.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import {
  DEFAULT_HOST,
  DEFAULT_SERVER_PORT,
  LISTENING_LINE_PREFIX,
  UI_STATUS_INTERVAL_MS,
} from '../protocol/constants.ts';
import { systemClock, type Clock } from './clock.ts';
import { getServerContext, setServerContext, type ServerContext } from './context.ts';
import { healthCheck } from './http/health.ts';
import { isAllowedHost, originPolicy } from './http/origin.ts';
import { apiRoutes, createApiListener } from './http/routes.ts';
import { prepareNext, type NextApp } from './next-app.ts';
import { PROJECT_ROOT } from './paths.ts';
import { createRealtime } from './realtime/io.ts';
import { publishUiStatus, takeUiStatus } from './realtime/ui-status.ts';
import { recordBoot, recordShutdown } from './store/boots.ts';
import { closeDb, getDb, type Db } from './store/client.ts';
import { parseDatabaseUrl } from './store/database-url.ts';
import { DRILL_HISTORY_DIR_NAME } from './drills/history-files.ts';
import { migrate } from './store/migrate.ts';
import type { HistoryConfig } from './history/config.ts';
import { startObservatory } from './observatory.ts';
import { VERSION } from './version.ts';
import { namespaceBus, postgresAdapter, type PostgresAdapter } from './multi/bus.ts';
import { MultiServerNeedsPostgresError } from './multi/errors.ts';

export interface StartServerOptions {
  /**
   * TCP port; 0 picks a free one (read the real one from `url`/`port`)
   * @default DEFAULT_SERVER_PORT (protocol/constants.ts)
   */
  readonly port?: number;
  /**
   * Listen address.
   * @default DEFAULT_HOST (protocol/constants.ts)
   */
  readonly host?: string;
  /** `file:…` (SQLite) or `postgres://…`; migrated before anything else starts. */
  readonly databaseUrl: string;
  /** Bearer token for control endpoints. */
  readonly adminToken: string;
  /** Secret each agent's own credential is derived from (server/ingest/credentials.ts). */
  readonly agentToken: string;
  /**
   * Host names (besides IP literals, `localhost` and `host`) that requests may name in `Host`;
   * anything else is refused, so a DNS-rebinding page cannot read the API.
   * @default none
   */
  readonly allowedHosts?: readonly string[];
  /**
   * Origins (`https://ops.example:8443`) trusted like the server's own by the session-cookie
   * and `/ui` checks; their host names are allowed too.
   * @default none
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * Run Next.js in development mode instead of serving the `next build` output.
   * @default false
   */
  readonly dev?: boolean;
  /**
   * Serve the dashboard through Next.js. false = API and socket.io only (tests).
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * Project root holding `app/` and `.next/`.
   * @default this repository (`PROJECT_ROOT`, server/paths.ts)
   */
  readonly dir?: string;
  /** @default the system clock */
  readonly clock?: Clock;
  /** An already open store; by default the process-wide client for `databaseUrl`. */
  readonly db?: Db;
  /**
   * History retention and batching.
   * @default DEFAULT_HISTORY_CONFIG (server/history/config.ts)
   */
  readonly history?: Partial<HistoryConfig>;
  /**
   * Drill runs kept in the store.
   * @default DEFAULT_DRILL_RUNS_KEPT (server/drills/drill-store.ts)
   */
  readonly drillRunsKept?: number;
  /**
   * Where each drill run's history file is kept.
   * @default `drill-histories/` beside the SQLite file, or `./data/drill-histories` with
   * PostgreSQL (`defaultDrillHistoryDir`)
   */
  readonly drillHistoryDir?: string;
  /**
   * Bytes of drill history files kept.
   * @default DEFAULT_DRILL_HISTORY_MAX_BYTES (server/drills/history-files.ts)
   */
  readonly drillHistoryMaxBytes?: number;
  /**
   * Nodes the server keeps state for.
   * @default MAX_TRACKED_NODES (server/ingest/bounds.ts)
   */
  readonly maxTrackedNodes?: number;
  /**
   * One of several observatory servers on one PostgreSQL store (`OBSERVATORY_MULTI_SERVER=1`):
   * live model shared through the socket.io PostgreSQL adapter, control forwarded to the server
   * holding the agent, rollups/retention and drills once across the servers (docs/operations.md).
   * Refused with SQLite ({@link MultiServerNeedsPostgresError}).
   * @default false
   */
  readonly multiServer?: boolean;
  /**
   * Where progress lines go.
   * @default nowhere
   */
  readonly log?: (line: string) => void;
}

export interface RunningServer {
  /** `http://host:port`, with the real port. */
  readonly url: string;
  readonly port: number;
  readonly bootId: string;
  readonly context: ServerContext;
  /** Stops accepting, disconnects every socket, records the shutdown, closes the store. Idempotent. */
  close(): Promise<void>;
}

/** Raised when a second server is started in a process that already runs one. */
export class ServerAlreadyRunningError extends Error {
  readonly code = 'SERVER_ALREADY_RUNNING';
  constructor() {
    super('an observatory server is already running in this process');
    this.name = 'ServerAlreadyRunningError';
  }
}

/** Raised when the port cannot be bound (in use, no permission). */
export class ServerListenError extends Error {
  readonly code = 'SERVER_LISTEN_FAILED';
  constructor(host: string, port: number, cause: unknown) {
    const reason = (cause as NodeJS.ErrnoException).code ?? String(cause);
    super(`cannot listen on ${host}:${port} (${reason})`, { cause });
    this.name = 'ServerListenError';
  }
}

// Connections still open this long after close() are cut, so shutdown never hangs on a browser.
const CLOSE_GRACE_MS = 2_000;

/** Drill histories live beside the SQLite store, or under `./data` with PostgreSQL. */
export function defaultDrillHistoryDir(databaseUrl: string, cwd: string = process.cwd()): string {
  const target = parseDatabaseUrl(databaseUrl, cwd);
  return target.provider === 'sqlite'
    ? join(dirname(target.file), DRILL_HISTORY_DIR_NAME)
    : resolve(cwd, 'data', DRILL_HISTORY_DIR_NAME);
}

/** Starts the observatory server and resolves once it accepts requests. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  if (getServerContext() !== undefined) throw new ServerAlreadyRunningError();
  const log = options.log ?? (() => {});
  const clock = options.clock ?? systemClock;
  const host = options.host ?? DEFAULT_HOST;
  const requestedPort = options.port ?? DEFAULT_SERVER_PORT;
  const provider = parseDatabaseUrl(options.databaseUrl).provider;
  if (options.multiServer === true && provider !== 'postgresql')
    throw new MultiServerNeedsPostgresError();

  const { applied } = await migrate(options.databaseUrl);
  if (applied.length > 0)
    log(`store: applied ${applied.length} migration(s): ${applied.join(', ')}`);
  const ownsDb = options.db === undefined;
  const db = options.db ?? (await getDb(options.databaseUrl));
  const bootId = randomUUID();
  const startedAt = clock.now();
  await recordBoot(db, { id: bootId, startedAt: new Date(startedAt), version: VERSION });

  const policy = originPolicy(host, options.allowedHosts, options.allowedOrigins);
  let nextApp: NextApp | undefined;
  const health = healthCheck({
    bootId,
    version: VERSION,
    startedAt,
    now: () => clock.now(),
    db,
    databaseProvider: provider,
  });
  // Requests arrive only after listen(), when `observatory` below is initialised.
  const api = createApiListener(
    apiRoutes(() => observatory.services, health),
    log,
  );
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    // Health stays open to probes that address the server by any name; it reveals no data.
    if (!isAllowedHost(req.headers.host, policy) && !req.url?.startsWith('/api/health')) {
      const message = `Host ${JSON.stringify((req.headers.host ?? '').slice(0, 100))} is not a name of this server (OBSERVATORY_ALLOWED_HOSTS)`;
      res.writeHead(403, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: { code: 'FORBIDDEN_HOST', message } }));
      return;
    }
    if (api(req, res)) return;
    if (nextApp === undefined) {
      res.writeHead(options.dashboard === false ? 404 : 503, { 'content-type': 'text/plain' });
      res.end(options.dashboard === false ? 'dashboard disabled\n' : 'starting\n');
      return;
    }
    nextApp.handle(req, res).catch((error: unknown) => {
      log(`next: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  const httpServer = createServer(onRequest);
  let peerAdapter: PostgresAdapter | undefined;
  if (options.multiServer === true) {
    peerAdapter = await postgresAdapter(options.databaseUrl, log);
    log(`peers: sharing live events with other servers on this store (server ${bootId})`);
  }
  const realtime = createRealtime(httpServer, {
    policy,
    log,
    ...(peerAdapter !== undefined && { agentAdapter: peerAdapter.adapter }),
  });
  const observatory = startObservatory({
    db,
    agentNamespace: realtime.agent,
    uiNamespace: realtime.ui,
    uiClients: () => realtime.ui.sockets.size,
    adminToken: options.adminToken,
    agentToken: options.agentToken,
    clock,
    policy,
    log,
    ...(options.maxTrackedNodes !== undefined && { maxTrackedNodes: options.maxTrackedNodes }),
    ...(options.history !== undefined && { history: options.history }),
    ...(options.drillRunsKept !== undefined && { drillRunsKept: options.drillRunsKept }),
    drillHistories: {
      dir: options.drillHistoryDir ?? defaultDrillHistoryDir(options.databaseUrl),
      ...(options.drillHistoryMaxBytes !== undefined && {
        maxBytes: options.drillHistoryMaxBytes,
      }),
    },
    ...(peerAdapter !== undefined && {
      multiServer: {
        id: bootId,
        bus: namespaceBus(realtime.agent),
        databaseUrl: options.databaseUrl,
        clock,
      },
    }),
  });

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(requestedPort, host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    observatory.leave();
    await realtime.close();
    await observatory.close();
    await peerAdapter?.close();
    if (ownsDb) await closeDb();
    throw new ServerListenError(host, requestedPort, error);
  }
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  if (options.dashboard !== false) {
    nextApp = await prepareNext({
      dir: options.dir ?? PROJECT_ROOT,
      dev: options.dev === true,
      hostname: host,
      port,
      httpServer,
    });
  }

  const statusSource = {
    bootId,
    version: VERSION,
    startedAt,
    clock,
    // with several servers, the dashboard counts every server's agents, as it shows every node
    agentsConnected: () => realtime.agent.sockets.size + observatory.peerAgents(),
  };
  // A new dashboard gets the status at once instead of waiting up to a second for the next push.
  realtime.ui.on('connection', (socket) => socket.emit('status', takeUiStatus(statusSource)));
  const stopStatus = publishUiStatus(statusSource, UI_STATUS_INTERVAL_MS, (status) =>
    realtime.ui.emit('status', status),
  );

  const context: ServerContext = {
    bootId,
    version: VERSION,
    startedAt,
    db,
    realtime,
    adminToken: options.adminToken,
    agentToken: options.agentToken,
    sessions: observatory.sessions,
    observatory,
  };
  setServerContext(context);
  log(`${LISTENING_LINE_PREFIX}${url}`);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      stopStatus();
      setServerContext(undefined);
      const cut = setTimeout(() => httpServer.closeAllConnections(), CLOSE_GRACE_MS);
      cut.unref();
      httpServer.closeIdleConnections();
      // Peers hear this server leave while the adapter still carries messages.
      observatory.leave();
      // Closes every namespace's sockets and then the HTTP server itself.
      await realtime.close();
      clearTimeout(cut);
      await nextApp?.close();
      // After the sockets: no new snapshots arrive while the last ones are flushed.
      await observatory.close();
      await peerAdapter?.close();
      await recordShutdown(db, bootId, new Date(clock.now()));
      if (ownsDb) await closeDb();
      log('Observatory stopped');
    })();
    return closing;
  };
  return { url, port, bootId, context, close };
}
