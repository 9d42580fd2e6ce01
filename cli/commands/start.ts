import { Command } from 'commander';
import { DEFAULT_LAB_NODES, DEFAULT_SERVER_PORT } from '../../protocol/constants.ts';
import { parsePort, parsePositiveInt } from '../options.ts';
import { runServer } from '../run-server.ts';

/** `observatory start`: the whole lab on this machine (`npm start`). */
export function startCommand(): Command {
  return new Command('start')
    .description(
      'start a local lab: server, SQLite store and N local nodes; prints the URL and admin token',
    )
    .option('--nodes <n>', 'number of local nodes', parsePositiveInt, DEFAULT_LAB_NODES)
    .option('--port <port>', 'HTTP port; 0 picks a free one', parsePort, DEFAULT_SERVER_PORT)
    .option('--dev', 'run the dashboard with Next.js in development mode', false)
    .action(async (opts: { nodes: number; port: number; dev: boolean }) => {
      // The lab launcher (server/lab/) will spawn `opts.nodes` nodes here; for now the server alone.
      await runServer({ port: opts.port, dev: opts.dev });
    });
}
