/**
 * What the two composition roots of a server process (`server/main.ts` for `observatory server`,
 * `server/lab/run-lab.ts` for `observatory start`) share: the environment loaded once or a clear
 * exit, the server options it gives, the token lines printed at start-up, and a shutdown on
 * SIGINT/SIGTERM with a deadline. Imports no server module, so loading it costs nothing.
 */
import { EnvError, loadEnv, type ServerEnv } from './env.ts';
import type { StartServerOptions } from './start.ts';

export const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** The validated environment; a bad one prints every problem and exits with status 1. */
export function loadEnvOrExit(): ServerEnv {
  try {
    return loadEnv();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    process.stderr.write(`observatory: ${error.message}\n`);
    process.exit(1);
  }
}

/** `startServer` options from the environment; `overrides` win (command-line flags). */
export function serverOptionsFromEnv(
  env: ServerEnv,
  overrides: Partial<StartServerOptions> = {},
): StartServerOptions {
  return {
    port: env.port,
    host: env.host,
    databaseUrl: env.databaseUrl,
    adminToken: env.adminToken,
    agentToken: env.agentToken,
    drillRunsKept: env.drillRunsKept,
    ...(env.drillHistoryDir !== undefined && { drillHistoryDir: env.drillHistoryDir }),
    drillHistoryMaxBytes: env.drillHistoryMaxBytes,
    ...(env.rollup60RetentionMs !== undefined && {
      history: { rollup60RetentionMs: env.rollup60RetentionMs },
    }),
    allowedOrigins: env.allowedOrigins,
    allowedHosts: env.allowedHosts,
    ...(env.multiServer && { multiServer: true }),
    dev: env.dev,
    log: out,
    ...overrides,
  };
}

/** Where each token came from; a generated one is printed, since nobody else knows it. */
export function tokenLines(env: ServerEnv, which: readonly ('admin' | 'agent')[]): string[] {
  const line = (label: string, variable: string, token: string, generated: boolean) =>
    generated
      ? `${label} token (generated; set ${variable} to keep one): ${token}`
      : `${label} token: from ${variable}`;
  return which.map((w) =>
    w === 'admin'
      ? line('Admin', 'OBSERVATORY_ADMIN_TOKEN', env.adminToken, env.adminTokenGenerated)
      : line('Agent', 'OBSERVATORY_AGENT_TOKEN', env.agentToken, env.agentTokenGenerated),
  );
}

export interface ShutdownOptions {
  /** stops everything cleanly */
  readonly stop: () => Promise<void>;
  /** runs before a forced exit (a second signal, the deadline, a failed stop) */
  readonly hurry?: () => void;
  /** a forced exit follows this long after the first signal */
  readonly timeoutMs: number;
  /** what the first signal prints: `observatory: SIGINT, <doing>` */
  readonly doing: string;
}

/** Stops cleanly on SIGINT/SIGTERM; a second signal or the deadline exits at once with status 1. */
export function stopOnSignals(options: ShutdownOptions): void {
  const hurry = options.hurry ?? (() => {});
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`observatory: ${signal} again, exiting now\n`);
      hurry();
      process.exit(1);
    }
    stopping = true;
    out(`observatory: ${signal}, ${options.doing}`);
    setTimeout(() => {
      process.stderr.write('observatory: shutdown timed out, exiting\n');
      hurry();
      process.exit(1);
    }, options.timeoutMs).unref();
    options.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`observatory: error during shutdown: ${String(error)}\n`);
        hurry();
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
