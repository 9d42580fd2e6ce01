/**
 * The composition root of an observatory server process: env → (dashboard build) → startServer
 * (store → http → socket.io → Next.js → modules) → signals. `observatory server` and
 * `observatory start` call `runServer`; `tsx server/main.ts` runs it directly.
 */
import { pathToFileURL } from 'node:url';
import { EnvError, loadEnv } from './env.ts';
import { ensureNextBuild } from './next-build.ts';
import type { RunningServer } from './start.ts';

export interface RunServerOptions {
  /** Overrides `PORT`. */
  readonly port?: number;
  /** Overrides `HOST`. */
  readonly host?: string;
  /** Next.js development mode (also `OBSERVATORY_DEV=1`). */
  readonly dev?: boolean;
}

/** Hard limit for a graceful shutdown; after it the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

const out = (line: string) => process.stdout.write(`${line}\n`);

/**
 * Starts the server from the environment, prints its URL and tokens, and stops it cleanly on
 * SIGINT/SIGTERM (a second signal exits at once). Exits with status 1 on a bad environment.
 */
export async function runServer(options: RunServerOptions = {}): Promise<RunningServer> {
  let env;
  try {
    env = loadEnv();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    process.stderr.write(`observatory: ${error.message}\n`);
    process.exit(1);
  }
  const dev = options.dev === true || env.dev;
  if (!dev) await ensureNextBuild();

  // Loaded only after the environment is known to be good: Next.js takes seconds to load.
  const { startServer } = await import('./start.ts');
  const server = await startServer({
    port: options.port ?? env.port,
    host: options.host ?? env.host,
    databaseUrl: env.databaseUrl,
    adminToken: env.adminToken,
    agentToken: env.agentToken,
    drillRunsKept: env.drillRunsKept,
    allowedOrigins: env.allowedOrigins,
    allowedHosts: env.allowedHosts,
    dev,
    log: out,
  });
  out(`Dashboard: ${server.url}/`);
  out(
    env.adminTokenGenerated
      ? `Admin token (generated; set OBSERVATORY_ADMIN_TOKEN to keep one): ${env.adminToken}`
      : 'Admin token: from OBSERVATORY_ADMIN_TOKEN',
  );
  out(
    env.agentTokenGenerated
      ? `Agent token (generated; set OBSERVATORY_AGENT_TOKEN to keep one): ${env.agentToken}`
      : 'Agent token: from OBSERVATORY_AGENT_TOKEN',
  );
  stopOnSignals(server);
  return server;
}

function stopOnSignals(server: RunningServer): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`observatory: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    out(`observatory: ${signal}, shutting down`);
    setTimeout(() => {
      process.stderr.write('observatory: shutdown timed out, exiting\n');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`observatory: error during shutdown: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runServer();
}
