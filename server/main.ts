/**
 * The composition root of an observatory server process: env → (dashboard build) → startServer
 * (store → http → socket.io → Next.js → modules) → signals. `observatory server` and
 * `observatory start` call `runServer`; `tsx server/main.ts` runs it directly.
 */
import { pathToFileURL } from 'node:url';
import { loadEnvOrExit, out, serverOptionsFromEnv, stopOnSignals, tokenLines } from './boot.ts';
import { ensureNextBuild } from './next-build.ts';
import type { RunningServer } from './start.ts';

export interface RunServerOptions {
  /** Overrides `PORT`. */
  readonly port?: number;
  /** Overrides `HOST`. */
  readonly host?: string;
  /** Next.js development mode (also `OBSERVATORY_DEV=1`). */
  readonly dev?: boolean;
  /** a BEAM cluster to watch over rex (`--beam-nodes`, `--beam-epmd-hosts`), with its cookie */
  readonly beam?: {
    readonly nodes: readonly string[];
    readonly epmdHosts: readonly string[];
    readonly cookie: string;
    readonly epmdPort: number;
    /** our EPMD and distribution proxy in front of the cluster (`--beam-proxy-epmd`) */
    readonly proxy?: { readonly epmdPort: number; readonly host?: string };
  };
}

/** Hard limit for a graceful shutdown; after it the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * Starts the server from the environment, prints its URL and tokens, and stops it cleanly on
 * SIGINT/SIGTERM (a second signal exits at once). Exits with status 1 on a bad environment.
 */
export async function runServer(options: RunServerOptions = {}): Promise<RunningServer> {
  const env = loadEnvOrExit();
  const dev = options.dev === true || env.dev;
  if (!dev) await ensureNextBuild();

  // Loaded only after the environment is known to be good: Next.js takes seconds to load.
  const { startServer } = await import('./start.ts');
  const server = await startServer(
    serverOptionsFromEnv(env, {
      dev,
      ...(options.port !== undefined && { port: options.port }),
      ...(options.host !== undefined && { host: options.host }),
    }),
  );
  out(`Dashboard: ${server.url}/`);
  tokenLines(env, ['admin', 'agent']).forEach(out);
  let close = () => server.close();
  if (options.beam !== undefined) {
    const { watchBeamCluster } = await import('./beam/observer/watch-cluster.ts');
    const watch = await watchBeamCluster({
      ...options.beam,
      ingest: server.context.observatory.ingest,
      log: out,
    });
    const names = [...options.beam.nodes, ...options.beam.epmdHosts.map((h) => `EPMD at ${h}`)];
    out(`Watching BEAM nodes over rex: ${names.join(', ')}`);
    if (watch.proxy !== undefined) {
      // partition, latency and heal of these nodes act on their links in the proxy
      server.context.observatory.setBeamProxy(watch.proxy);
      out(
        `BEAM distribution proxy: EPMD on ${watch.proxy.host}:${watch.proxy.epmdPort}; start the nodes with ERL_EPMD_PORT=${watch.proxy.epmdPort} and -start_epmd false`,
      );
    }
    close = async () => {
      await watch.close();
      await server.close();
    };
  }
  stopOnSignals({
    stop: () => close(),
    timeoutMs: SHUTDOWN_TIMEOUT_MS,
    doing: 'shutting down',
  });
  return server;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runServer();
}
