import { Command } from 'commander';
import { notYetAvailable } from './not-yet.ts';

/** `observatory node`: runs one cluster node (owned by the cluster runtime issue). */
export function nodeCommand(): Command {
  return new Command('node')
    .description('run one cluster node (name@host) with an optional embedded agent')
    .requiredOption('--name <name>', 'short node name; the full name is name@host')
    .option('--host <host>', 'address to listen on and to advertise', '127.0.0.1')
    .option('--port <port>', 'TCP port to listen on', '9101')
    .option('--cookie <cookie>', 'shared cluster cookie (default: env CLUSTER_COOKIE)')
    .option('--seeds <list>', 'comma-separated host:port of nodes to connect to')
    .option('--hidden', 'connect without joining the mesh', false)
    .option('--ticktime <ms>', 'net_ticktime in milliseconds')
    .option('--events <format>', "print membership events to stdout ('json')")
    .option('--discovery <strategy>', 'static | gossip | dns', 'static')
    .option('--observatory <url>', 'observatory server URL to stream telemetry to')
    .option('--agent-token <token>', 'token for the observatory /agent namespace')
    .action(() => notYetAvailable('node'));
}
