import { Command } from 'commander';
import { notYetAvailable } from './not-yet.ts';

/** `observatory remsh`: a remote shell joining as a hidden node (owned by the runtime issue). */
export function remshCommand(): Command {
  return new Command('remsh')
    .description('open a remote shell on a node (joins as a hidden node)')
    .argument('<target>', 'name@host:port of the node')
    .option('--cookie <cookie>', 'shared cluster cookie (default: env CLUSTER_COOKIE)')
    .option('--command <command>', 'run one command non-interactively and exit')
    .action(() => notYetAvailable('remsh'));
}
