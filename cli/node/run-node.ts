/**
 * Runs one node for `observatory node`: start, report `listening`, print membership and discovery
 * events, run discovery, the global registry and pub/sub, serve the shell handlers, and close
 * cleanly on SIGTERM/SIGINT.
 */
import type { Clock, ClusterNode, Logger } from '../../cluster/api.ts';
import { startNode } from '../../cluster/index.ts';
import type { Discovery, DiscoveryConfig } from '../../cluster/discovery/index.ts';
import {
  formatDiscovery,
  formatListening,
  formatMembership,
  formatStopped,
  type EventFormat,
} from './events.ts';
import { registerShellHandlers } from './handlers.ts';
import { tlsOf, type NodeCliOptions } from './options.ts';
import { startNodeServices, type NodeServices } from './services.ts';

export interface NodeIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export const processIo: NodeIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LEVELS)[number];

/** Human log lines on stderr, so that stdout stays one event per line; below `min` is dropped. */
export function stderrLogger(label: string, io: NodeIo, min: LogLevel = 'info'): Logger {
  const floor = LEVELS.indexOf(min);
  const at = (level: LogLevel) => (msg: string, data?: Record<string, unknown>) => {
    if (LEVELS.indexOf(level) < floor) return;
    io.err(
      `${new Date().toISOString()} ${label} ${level} ${msg}${data ? ` ${JSON.stringify(data)}` : ''}`,
    );
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface RunningNode {
  readonly node: ClusterNode;
  /** the running discovery, for the agent's discovery section */
  readonly discovery: Discovery;
  /** closes the node once; later calls return the same promise */
  stop(): Promise<void>;
}

/**
 * `discoveryConfig` comes from `discoveryConfigFromOptions`; without it the node uses the static
 * strategy with `options.seeds`.
 */
export async function runNode(
  options: NodeCliOptions & {
    readonly discoveryConfig?: DiscoveryConfig;
    /** the node's Clock port (default the system clock); the lab passes a steppable one */
    readonly clock?: Clock;
  },
  io: NodeIo = processIo,
): Promise<RunningNode> {
  const format: EventFormat = options.events ?? 'text';
  const logger = stderrLogger(`${options.name}@${options.host}`, io);
  const node = await startNode({
    name: options.name,
    host: options.host,
    port: options.port,
    cookie: options.cookie,
    hidden: options.hidden,
    connectAll: options.connectAll,
    ...(options.ticktime === undefined ? {} : { ticktimeMs: options.ticktime }),
    ...(tlsOf(options) === undefined ? {} : { tls: tlsOf(options) }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    logger,
  });
  registerShellHandlers(node);
  const unsubscribe = node.monitorNodes((event) => io.out(formatMembership(event, format)));
  io.out(
    formatListening(
      {
        event: 'listening',
        node: node.name,
        host: node.address.host,
        port: node.address.port,
        hidden: node.hidden,
        pid: process.pid,
        at: Date.now(),
      },
      format,
    ),
  );
  let services: NodeServices;
  try {
    services = await startNodeServices(node, {
      discovery: options.discoveryConfig ?? { strategy: 'static', seeds: options.seeds },
      cookie: options.cookie,
      logger,
      onDiscoveryEvent: (event) => {
        const line = formatDiscovery(event, format);
        if (line !== undefined) io.out(line);
      },
    });
  } catch (error) {
    await node.close();
    unsubscribe();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  return {
    node,
    discovery: services.discovery,
    stop() {
      stopping ??= (async () => {
        await services.stop();
        await node.close();
        unsubscribe();
        io.out(formatStopped(node.name, format, Date.now()));
      })();
      return stopping;
    },
  };
}
