/**
 * `observatory remsh`: joins the cluster as a hidden node linked to one target, then runs one
 * command (`--command`) or reads commands line by line until `quit` or end of input.
 */
import { createInterface } from 'node:readline';
import type { ClusterNode, TlsOptions } from '../../cluster/api.ts';
import { startNode } from '../../cluster/index.ts';
import { stderrLogger, processIo, type NodeIo } from '../node/run-node.ts';
import { runShellLine, type ShellContext } from './commands.ts';
import type { RemshTarget } from './target.ts';

export interface RemshOptions {
  readonly target: RemshTarget;
  readonly cookie: string;
  readonly host: string;
  readonly command: string | undefined;
  readonly timeoutMs: number;
  readonly verbose: boolean;
  /** the shell node's certificate, for a cluster that uses TLS between nodes */
  readonly tls?: TlsOptions;
}

/** Raised when the target cannot be reached or refuses us (wrong cookie, …). */
export class RemshConnectError extends Error {
  readonly code = 'remsh_connect';
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
}

async function joinTarget(
  options: RemshOptions,
  io: NodeIo,
): Promise<{ node: ClusterNode; ctx: ShellContext }> {
  const node = await startNode({
    name: `remsh-${process.pid}`,
    host: options.host,
    port: 0,
    cookie: options.cookie,
    hidden: true,
    ...(options.tls !== undefined && { tls: options.tls }),
    // The shell's own link chatter would drown its answers; --verbose brings it back.
    logger: stderrLogger('remsh', io, options.verbose ? 'debug' : 'error'),
  });
  try {
    const ok = await node.connect(options.target.connectTo, {
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (!ok)
      throw new RemshConnectError(
        `cannot connect to ${options.target.connectTo} (down, or wrong cookie)`,
      );
    const target = options.target.name ?? node.nodes({ hidden: true })[0];
    if (target === undefined)
      throw new RemshConnectError(`connected to ${options.target.connectTo} but no node answered`);
    return { node, ctx: { local: node, target, timeoutMs: options.timeoutMs } };
  } catch (error) {
    await node.close();
    throw error;
  }
}

/** Runs the shell; resolves with the exit status. */
export async function runRemsh(options: RemshOptions, io: NodeIo = processIo): Promise<number> {
  let joined;
  try {
    joined = await joinTarget(options, io);
  } catch (error) {
    io.err(`remsh: ${describe(error)}`);
    return 1;
  }
  const { node, ctx } = joined;
  try {
    if (options.command !== undefined) {
      try {
        const result = await runShellLine(ctx, options.command);
        if (result.output !== '') io.out(result.output);
        return 0;
      } catch (error) {
        io.err(`error: ${describe(error)}`);
        return 1;
      }
    }
    return await interactive(ctx, node, options.target.connectTo, io);
  } finally {
    await node.close();
  }
}

async function interactive(
  ctx: ShellContext,
  node: ClusterNode,
  reconnectTo: string,
  io: NodeIo,
): Promise<number> {
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: process.stdin.isTTY,
  });
  const unsubscribe = node.monitorNodes((event) => {
    if (event.node === ctx.target && event.event === 'nodedown') {
      io.err(`(link to ${ctx.target} went down: ${event.reason}; commands will reconnect)`);
    }
  });
  io.out(`connected to ${ctx.target} as hidden node ${node.name}; 'help' lists commands`);
  // Piped input (scripts) gets answers only, no prompts between them.
  const prompt = process.stdin.isTTY ? () => rl.prompt() : () => undefined;
  rl.setPrompt(`${ctx.target}> `);
  prompt();
  try {
    for await (const line of rl) {
      try {
        if (!node.nodes({ hidden: true }).includes(ctx.target)) {
          await node.connect(reconnectTo, { signal: AbortSignal.timeout(ctx.timeoutMs) });
        }
        const result = await runShellLine(ctx, line);
        if (result.output !== '') io.out(result.output);
        if (result.quit === true) break;
      } catch (error) {
        io.err(`error: ${describe(error)}`);
      }
      prompt();
    }
  } finally {
    unsubscribe();
    rl.close();
  }
  return 0;
}
