import { Command } from 'commander';
import { notYetAvailable } from './not-yet.ts';

/** `observatory drill`: runs a failure drill and its checker (owned by the drills issue). */
export function drillCommand(): Command {
  return new Command('drill')
    .description('run a failure drill (node-loss, split-brain, pause); exit 0 only if it passes')
    .argument('<name>', 'drill name')
    .option('--nodes <n>', 'number of nodes in the drill lab', '5')
    .option('--json', 'print the report as JSON', false)
    .action(() => notYetAvailable('drill'));
}
