import { Command } from 'commander';
import { parsePort } from '../options.ts';
import { runServer } from '../run-server.ts';

/** `observatory server`: the observatory alone, for real clusters whose nodes connect to it. */
export function serverCommand(): Command {
  return new Command('server')
    .description(
      'run the observatory server alone (dashboard, API, agent ingest) for real clusters',
    )
    .option('--port <port>', 'HTTP port; 0 picks a free one (default: env PORT or 3000)', parsePort)
    .option('--host <host>', 'address to listen on (default: env HOST or 127.0.0.1)')
    .option('--dev', 'run the dashboard with Next.js in development mode', false)
    .action(async (opts: { port?: number; host?: string; dev: boolean }) => {
      await runServer(opts);
    });
}
