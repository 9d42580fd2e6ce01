/** Next.js (App Router) embedded in our own HTTP server, as its custom-server mode allows. */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import next from 'next';

export interface NextAppOptions {
  /** project root, where `app/` and `.next/` live */
  readonly dir: string;
  /** development mode (compiles on demand, hot reload); otherwise serves the `next build` output */
  readonly dev: boolean;
  readonly hostname: string;
  readonly port: number;
  readonly httpServer: Server;
}

export interface NextApp {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  close(): Promise<void>;
}

/** Loads Next.js and waits until it can serve requests. */
export async function prepareNext(options: NextAppOptions): Promise<NextApp> {
  const app = next({
    dir: options.dir,
    dev: options.dev,
    hostname: options.hostname,
    port: options.port,
    // Lets Next.js register its own upgrade handler (dev hot reload) next to socket.io's.
    httpServer: options.httpServer,
    quiet: !options.dev,
  });
  await app.prepare();
  const handle = app.getRequestHandler();
  return {
    handle: (req, res) => handle(req, res),
    close: () => app.close(),
  };
}
