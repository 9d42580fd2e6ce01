import { homedir } from 'node:os';
import { Command } from 'commander';
import { ZodError } from 'zod';
import { DiscoveryConfigError } from '../../cluster/discovery/config.ts';
import {
  addDiscoveryOptions,
  discoveryConfigFromOptions,
  type DiscoveryCliOptions,
} from '../discovery-options.ts';
import { resolveCookie } from '../cookie-file.ts';
import { CliOptionsError } from '../options.ts';
import { parseNodeOptions, type RawNodeOptions } from '../node/options.ts';
import { addShardOptions, parseShardOptions } from '../node/shards.ts';
import { addErlangOptions, runDistOption } from '../node/erlang-cli.ts';
import { applyNodeV8Flags } from '../node/v8-flags.ts';

/** `observatory node`: runs one cluster node (owned by the cluster runtime issue). */
export function nodeCommand(): Command {
  const command = new Command('node')
    .description('run one cluster node (name@host) with an optional embedded agent')
    .requiredOption('--name <name>', 'short node name; the full name is name@host')
    .option('--host <host>', 'address to listen on and to advertise', '127.0.0.1')
    .option('--port <port>', 'TCP port to listen on (0: any free port)', '9101')
    .option('--cookie <cookie>', 'shared cluster cookie (visible in ps: prefer --cookie-file)')
    .option(
      '--cookie-file <path>',
      'file holding the cookie, owner-only (default: env CLUSTER_COOKIE, else ~/.erlang.cookie)',
    )
    .option('--seeds <list>', 'comma-separated host:port of nodes to connect to')
    .option('--hidden', 'connect without joining the mesh', false)
    .option(
      '--connect-all <bool>',
      "'false': link only to the nodes this one connects to or that connect to it, not to their peers (as Erlang's -connect_all false); the global registry and shards then refuse to run",
      'true',
    )
    .option('--ticktime <ms>', 'net_ticktime in milliseconds')
    .option(
      '--events <format>',
      "membership events on stdout: 'json' (one object per line) or 'text'",
    )
    .option('--tls-cert <path>', 'PEM certificate of this node (mutual TLS between nodes)')
    .option('--tls-key <path>', 'PEM private key of --tls-cert')
    .option('--tls-ca <path>', 'PEM CA that peer certificates must be signed by')
    .option('--observatory <url>', 'observatory server URL to stream telemetry to')
    .option('--observatory-ca <path>', 'PEM CA to trust for an https observatory')
    .option(
      '--agent-token <token>',
      'token for the observatory /agent namespace (visible in ps: prefer env OBSERVATORY_AGENT_TOKEN)',
    );
  addDiscoveryOptions(command);
  addErlangOptions(command);
  return addShardOptions(command).action(
    async (
      raw: RawNodeOptions & {
        cookieFile?: unknown;
        observatory?: string;
        observatoryCa?: string;
        agentToken?: string;
      },
    ) => {
      // before the runtime runs anything: the flags apply to functions first called afterwards
      applyNodeV8Flags();
      if (await runDistOption('node', raw as Record<string, unknown>, command)) return;
      const discoveryConfig = discoveryOrExit(raw as DiscoveryCliOptions);
      // Every other flag first: resolving the cookie may create ~/.erlang.cookie, and bad input
      // must cost nothing.
      parseNodeOptions({ ...raw, cookie: typeof raw.cookie === 'string' ? raw.cookie : '-' }, '');
      const cookie = resolveCookie('node', {
        flag: raw.cookie,
        file: raw.cookieFile,
        env: process.env.CLUSTER_COOKIE,
        home: homedir(),
        warn: (line) => process.stderr.write(`${line}\n`),
      });
      const options = parseNodeOptions({ ...raw, cookie }, undefined);
      const shardOptions = parseShardOptions({
        ...(raw as Record<string, unknown>),
        store:
          (raw as { store?: unknown }).store ?? (process.env.OBSERVATORY_STORE_URL || undefined),
      });
      if (shardOptions !== undefined && !options.connectAll)
        throw new CliOptionsError('node', [
          '--connect-all false: shards (--store, --members) need every member linked to every other; drop one or the other',
        ]);
      // Loaded only now so that `observatory --help` does not load the runtime.
      const { runNode } = await import('../node/run-node.ts');
      // a lab node's wall clock can be stepped by the drills (lab.clock.step); nothing else's
      const clock = shardOptions?.lab
        ? (await import('../../cluster/index.ts')).steppableClock()
        : undefined;
      const running = await runNode({
        ...options,
        discoveryConfig,
        ...(clock === undefined ? {} : { clock }),
      });
      const shards =
        shardOptions === undefined
          ? undefined
          : (await import('../node/shards-attach.ts')).attachShards(
              running.node,
              shardOptions,
              undefined,
              clock,
            );
      const agent =
        raw.observatory === undefined
          ? undefined
          : (await import('../node/agent.ts')).attachAgentFromCli(running.node, {
              observatory: raw.observatory,
              ...(raw.observatoryCa !== undefined && { observatoryCa: raw.observatoryCa }),
              agentToken: raw.agentToken ?? process.env.OBSERVATORY_AGENT_TOKEN,
              discovery: running.discovery,
              ...(shards === undefined
                ? {}
                : { shards: () => shards.agentRows(), shardEvents: shards.events }),
            });
      const shutdown = (signal: NodeJS.Signals) => {
        // A second signal while closing means "now".
        process.once(signal, () => process.exit(130));
        // The agent goes first so the faults it set are reverted while the node still runs.
        (agent?.detach() ?? Promise.resolve())
          .then(() => shards?.stop())
          .then(() => running.stop())
          .then(
            () => process.exit(0),
            (error: unknown) => {
              process.stderr.write(`observatory node: close failed: ${String(error)}\n`);
              process.exit(1);
            },
          );
      };
      process.once('SIGTERM', shutdown);
      process.once('SIGINT', shutdown);
    },
  );
}

/** Config field → the flag a user typed, per strategy, so errors name what to fix. */
const FLAGS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  static: { seeds: '--seeds' },
  gossip: {
    group: '--gossip-group',
    port: '--gossip-port',
    multicastInterface: '--gossip-interface',
    intervalMs: '--gossip-interval',
  },
  dns: {
    query: '--dns-name',
    recordType: '--dns-type',
    port: '--dns-port',
    servers: '--dns-resolver',
    intervalMs: '--dns-interval',
  },
};

/** Bad discovery options are a usage error: name each flag and exit 2 before anything starts. */
function discoveryOrExit(raw: DiscoveryCliOptions & { port?: unknown }) {
  // --dns-port defaults to the node's own port (a port of 0 is no default).
  const port = typeof raw.port === 'string' && /^\d{1,5}$/.test(raw.port) ? Number(raw.port) : 0;
  try {
    return discoveryConfigFromOptions(raw, port === 0 ? undefined : port);
  } catch (error) {
    if (!(error instanceof DiscoveryConfigError)) throw error;
    const flags = FLAGS[raw.discovery ?? 'static'] ?? {};
    const issues =
      error.cause instanceof ZodError
        ? error.cause.issues.map((issue) => {
            const key = String(issue.path[0] ?? 'strategy');
            const flag =
              key === 'strategy'
                ? '--discovery'
                : key === 'backoffMaxMs'
                  ? '--discovery-backoff-max'
                  : (flags[key] ?? key);
            const message =
              key === 'strategy' ? "must be 'static', 'gossip' or 'dns'" : issue.message;
            return `${flag}: ${message}`;
          })
        : [error.message];
    process.stderr.write(
      `observatory node: invalid discovery options:\n  ${issues.join('\n  ')}\n`,
    );
    process.exit(2);
  }
}
