/**
 * Shared by `observatory server` and `observatory start`: validate the environment, make sure a
 * dashboard build exists, start the server, print how to reach it, and stop cleanly on a signal.
 */
import { EnvError, loadEnv } from '../server/env.ts';
import { ensureNextBuild } from './build-next.ts';

export interface RunServerOptions {
  readonly port?: number;
  readonly host?: string;
  readonly dev?: boolean;
}

/** Hard limit for a graceful shutdown; after it the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

export async function runServer(options: RunServerOptions): Promise<void> {
  let env;
  try {
    env = loadEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`observatory: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const dev = options.dev === true || env.dev;
  if (!dev) await ensureNextBuild();

  // Loaded lazily: Next.js and the store are heavy, and other subcommands never need them.
  const { startServer } = await import('../server/start.ts');
  const server = await startServer({
    port: options.port ?? env.port,
    host: options.host ?? env.host,
    databaseUrl: env.databaseUrl,
    adminToken: env.adminToken,
    agentToken: env.agentToken,
    dev,
    log: (line) => process.stdout.write(`${line}\n`),
  });

  process.stdout.write(`Dashboard: ${server.url}/\n`);
  process.stdout.write(
    env.adminTokenGenerated
      ? `Admin token (generated; set OBSERVATORY_ADMIN_TOKEN to fix it): ${env.adminToken}\n`
      : 'Admin token: from OBSERVATORY_ADMIN_TOKEN\n',
  );
  process.stdout.write(
    env.agentTokenGenerated
      ? `Agent token (generated; set OBSERVATORY_AGENT_TOKEN to fix it): ${env.agentToken}\n`
      : 'Agent token: from OBSERVATORY_AGENT_TOKEN\n',
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`observatory: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`observatory: ${signal}, shutting down\n`);
    const force = setTimeout(() => {
      process.stderr.write('observatory: shutdown timed out, exiting\n');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    force.unref();
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
