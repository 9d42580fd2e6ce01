import { Command } from 'commander';
import { DEFAULT_LAB_NODES, DEFAULT_SERVER_PORT } from '../../protocol/constants.ts';
import { ErlNotFoundError } from '../../server/beam/errors.ts';
import { findErlTools, type ErlTools } from '../../server/beam/lab/erl.ts';
import { parseCount, parsePort } from '../options.ts';

/** `observatory start`: the whole lab on this machine (`npm start`). */
export function startCommand(): Command {
  return new Command('start')
    .description(
      'start a local lab: server, SQLite store and N local nodes; prints the URL and admin token',
    )
    .option(
      '--nodes <n>',
      `number of local TypeScript nodes (default ${DEFAULT_LAB_NODES}, or 0 with --beam)`,
      parseCount,
    )
    .option(
      '--beam <n>',
      'number of real erl nodes (b1@127.0.0.1…) running the demo',
      parseCount,
      0,
    )
    .option('--port <port>', 'HTTP port; 0 picks a free one', parsePort, DEFAULT_SERVER_PORT)
    .option('--dev', 'run the dashboard with Next.js in development mode', false)
    .option('--no-dashboard', 'serve the API and sockets only, without Next.js')
    .option('--no-workload', 'start the nodes without the shards ledger demo')
    .action(
      async (opts: {
        nodes?: number;
        beam: number;
        port: number;
        dev: boolean;
        dashboard: boolean;
        workload: boolean;
      }) => {
        const env = process.env as Record<string, string | undefined>;
        const nodes = opts.nodes ?? (opts.beam > 0 ? 0 : DEFAULT_LAB_NODES);
        if (nodes + opts.beam === 0) {
          process.stderr.write('observatory: a lab needs at least one node (--nodes or --beam)\n');
          process.exit(2);
        }
        let beam: { count: number; tools: ErlTools } | undefined;
        if (opts.beam > 0) {
          try {
            beam = { count: opts.beam, tools: findErlTools(env.PATH ?? '') };
          } catch (error) {
            if (!(error instanceof ErlNotFoundError)) throw error;
            process.stderr.write(`${error.message}\n`);
            process.exit(2);
          }
        }
        const dev = opts.dev || env.OBSERVATORY_DEV === '1' || env.OBSERVATORY_DEV === 'true';
        // Next.js and React pick their build flavour from NODE_ENV; it must be set before they load.
        env.NODE_ENV ??= dev ? 'development' : 'production';
        // Loaded only now so that `observatory --help` does not load the server.
        const { runLab } = await import('../../server/lab/run-lab.ts');
        await runLab({
          nodes,
          ...(beam !== undefined && { beam }),
          port: opts.port,
          dev,
          dashboard: opts.dashboard,
          ...(opts.workload ? {} : { workload: false }),
        });
      },
    );
}
