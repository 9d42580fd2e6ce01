/**
 * Runs one node for `observatory node`: start, report `listening`, print membership events, keep
 * the seeds connected, serve the shell handlers, and close cleanly on SIGTERM/SIGINT.
 */
import type { ClusterNode, Logger } from '../../cluster/api.ts';
import { startNode } from '../../cluster/index.ts';
import { formatListening, formatMembership, formatStopped, type EventFormat } from './events.ts';
import { registerShellHandlers } from './handlers.ts';
import type { NodeCliOptions } from './options.ts';
import { keepSeedsConnected } from './seeds.ts';

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
  /** closes the node once; later calls return the same promise */
  stop(): Promise<void>;
}

export async function runNode(
  options: NodeCliOptions,
  io: NodeIo = processIo,
): Promise<RunningNode> {
  const format: EventFormat = options.events ?? 'text';
  const node = await startNode({
    name: options.name,
    host: options.host,
    port: options.port,
    cookie: options.cookie,
    hidden: options.hidden,
    ...(options.ticktime === undefined ? {} : { ticktimeMs: options.ticktime }),
    logger: stderrLogger(`${options.name}@${options.host}`, io),
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
  const seeds = keepSeedsConnected(node, options.seeds, {
    onError: (seed, error) =>
      io.err(`seed ${seed}: ${error instanceof Error ? error.message : String(error)}`),
  });

  let stopping: Promise<void> | undefined;
  return {
    node,
    stop() {
      stopping ??= (async () => {
        seeds.stop();
        await node.close();
        unsubscribe();
        io.out(formatStopped(node.name, format, Date.now()));
      })();
      return stopping;
    },
  };
}
