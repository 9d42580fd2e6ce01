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

/** Human log lines on stderr, so that stdout stays one event per line. */
export function stderrLogger(label: string, io: NodeIo, debug = false): Logger {
  const write = (level: string, msg: string, data?: Record<string, unknown>) =>
    io.err(
      `${new Date().toISOString()} ${label} ${level} ${msg}${data ? ` ${JSON.stringify(data)}` : ''}`,
    );
  return {
    debug: (msg, data) => {
      if (debug) write('debug', msg, data);
    },
    info: (msg, data) => write('info', msg, data),
    warn: (msg, data) => write('warn', msg, data),
    error: (msg, data) => write('error', msg, data),
  };
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
