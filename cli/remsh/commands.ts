/**
 * The remote shell's commands: one table of name → command. Every command either reads the local
 * hidden node or calls a handler that the target registered by name; there is no way to send code.
 * To add a command, add an entry (see `rpcCommand` for the common "call one handler" shape).
 */
import type { ClusterNode, NodeName, Payload } from '../../cluster/api.ts';
import { PUBSUB_REMSH_HANDLERS } from '../../cluster/pubsub/start.ts';
import { REGISTRY_REMSH_HANDLERS } from '../../cluster/registry/start.ts';
import { SHELL_HANDLERS, type NodeList } from '../node/handlers.ts';
import { takeWords } from './words.ts';

/** What a command may use: the shell's own hidden node and the node it was opened on. */
export interface ShellContext {
  readonly local: Pick<ClusterNode, 'name' | 'connect' | 'ping' | 'call' | 'nodes' | 'addressOf'>;
  readonly target: NodeName;
  /** deadline of every remote call */
  readonly timeoutMs: number;
}

export interface ShellResult {
  readonly output: string;
  readonly quit?: boolean;
}

export interface ShellCommand {
  readonly usage: string;
  readonly summary: string;
  run(ctx: ShellContext, rest: string): Promise<ShellResult>;
}

/** A mistake in what the user typed (as opposed to a failure on the cluster). */
export class ShellUsageError extends Error {
  readonly code = 'shell_usage';
}

/** Renders a payload for people: JSON, with bytes shown by size. */
export function formatPayload(value: Payload): string {
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  return JSON.stringify(
    value,
    (_k, v: unknown) => (v instanceof Uint8Array ? `<${v.byteLength} bytes>` : v),
    2,
  );
}

function parseJsonArgs(text: string, usage: string): Payload {
  if (text === '') return null;
  try {
    return JSON.parse(text) as Payload;
  } catch (error) {
    throw new ShellUsageError(
      `arguments must be JSON (${error instanceof Error ? error.message : String(error)}); usage: ${usage}`,
    );
  }
}

function requireWord(word: string | undefined, what: string, usage: string): string {
  if (word === undefined || word === '')
    throw new ShellUsageError(`missing ${what}; usage: ${usage}`);
  return word;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

async function targetNodeList(ctx: ShellContext): Promise<NodeList | undefined> {
  try {
    return (await ctx.local.call(ctx.target, SHELL_HANDLERS.nodes, null, {
      timeoutMs: ctx.timeoutMs,
    })) as unknown as NodeList;
  } catch (error) {
    if (errorCode(error) === 'no_such_handler') return undefined;
    throw error;
  }
}

/**
 * The name to talk to for a node argument, connecting (hidden) first when needed: the target,
 * a node this shell already reaches, `name@host:port`, or a peer whose address the target knows.
 * Returns undefined when the node cannot be reached.
 */
export async function reachNode(ctx: ShellContext, arg: string): Promise<NodeName | undefined> {
  const withPort = /^(.+@[^:]+):(\d+)$/.exec(arg);
  if (withPort?.[1] !== undefined) {
    return (await ctx.local.connect(arg)) ? withPort[1] : undefined;
  }
  if (arg === ctx.target || ctx.local.nodes({ hidden: true }).includes(arg)) return arg;
  const list = await targetNodeList(ctx);
  const known = [...(list?.visible ?? []), ...(list?.hidden ?? [])].find((n) => n.name === arg);
  if (known?.address === null || known?.address === undefined) return undefined;
  return (await ctx.local.connect(known.address)) ? arg : undefined;
}

/**
 * A command that calls one handler on the target; `args` builds its arguments from the input and
 * `format` renders the result (JSON by default).
 */
export function rpcCommand(
  handler: string,
  usage: string,
  summary: string,
  args: (rest: string) => Payload,
  format: (result: Payload, rest: string) => string = formatPayload,
): ShellCommand {
  return {
    usage,
    summary,
    async run(ctx, rest) {
      try {
        const result = await ctx.local.call(ctx.target, handler, args(rest), {
          timeoutMs: ctx.timeoutMs,
        });
        return { output: format(result, rest) };
      } catch (error) {
        if (errorCode(error) === 'no_such_handler') {
          throw new Error(`${ctx.target} does not offer '${handler}' (not registered there)`, {
            cause: error,
          });
        }
        throw error;
      }
    },
  };
}

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text + ' '.repeat(width - text.length);
}

const nodes: ShellCommand = {
  usage: 'nodes',
  summary: "the target's connected nodes (visible and hidden)",
  async run(ctx) {
    const list = await targetNodeList(ctx);
    if (list === undefined) {
      const linked = ctx.local.nodes({ hidden: true });
      return {
        output: `${ctx.target} does not offer '${SHELL_HANDLERS.nodes}'; this shell's links: ${linked.join(', ')}`,
      };
    }
    const row = (kind: string, n: { name: string; address: string | null }) =>
      `${pad(kind, 8)}${pad(n.name, 32)}${n.address ?? '-'}`;
    return {
      output: [
        row('self', list.self),
        ...list.visible.map((n) => row('visible', n)),
        ...list.hidden.map((n) => row('hidden', n)),
      ].join('\n'),
    };
  },
};

const ping: ShellCommand = {
  usage: 'ping <node>',
  summary: 'pong if the node answers, pang if not (node may be name@host:port)',
  async run(ctx, rest) {
    const arg = requireWord(takeWords(rest, 1).words[0], 'node', this.usage);
    const name = await reachNode(ctx, arg).catch(() => undefined);
    if (name === undefined) return { output: 'pang' };
    return { output: await ctx.local.ping(name, { timeoutMs: ctx.timeoutMs }) };
  },
};

const call: ShellCommand = {
  usage: 'call <node> <handler> [json-args]',
  summary: 'call a handler registered on a node, print its JSON result',
  async run(ctx, rest) {
    const { words, rest: json } = takeWords(rest, 2);
    const arg = requireWord(words[0], 'node', this.usage);
    const handler = requireWord(words[1], 'handler', this.usage);
    const args = parseJsonArgs(json, this.usage);
    const name = await reachNode(ctx, arg);
    if (name === undefined) throw new Error(`cannot reach ${arg}`);
    const result = await ctx.local.call(name, handler, args, { timeoutMs: ctx.timeoutMs });
    return { output: formatPayload(result) };
  },
};

const info = rpcCommand(SHELL_HANDLERS.info, 'info', 'facts about the target node', () => null);

const quit: ShellCommand = {
  usage: 'quit',
  summary: 'leave the shell',
  run: () => Promise.resolve({ output: '', quit: true }),
};

/** The command table. Entries for the registry and pub/sub call handlers those services register. */
export const SHELL_COMMANDS: Readonly<Record<string, ShellCommand>> = {
  nodes,
  ping,
  call,
  info,
  registered: rpcCommand(
    REGISTRY_REMSH_HANDLERS.registered,
    'registered',
    'globally registered names and the node holding each',
    () => null,
    formatRegistered,
  ),
  whereis: rpcCommand(
    REGISTRY_REMSH_HANDLERS.whereis,
    'whereis <name>',
    'the node holding a global name',
    (rest) => ({ name: requireWord(takeWords(rest, 1).words[0], 'name', 'whereis <name>') }),
    (owner, rest) =>
      typeof owner === 'string' ? owner : `${takeWords(rest, 1).words[0] ?? ''} is not registered`,
  ),
  publish: rpcCommand(
    PUBSUB_REMSH_HANDLERS.publish,
    'publish <topic> <json>',
    'broadcast a JSON message on a topic from the target',
    parsePublish,
    (result) => {
      const sent = (result as { nodes?: unknown } | null)?.nodes;
      return typeof sent === 'number'
        ? `published to ${sent} node${sent === 1 ? '' : 's'} with subscribers`
        : formatPayload(result);
    },
  ),
  help: {
    usage: 'help',
    summary: 'this list',
    run: () => Promise.resolve({ output: helpText() }),
  },
  quit,
  exit: quit,
};

/** `publish <topic> <json>` → the `pubsub.publish` arguments; the message is required. */
export function parsePublish(rest: string): Payload {
  const usage = 'publish <topic> <json>';
  const { words, rest: json } = takeWords(rest, 1);
  const topic = requireWord(words[0], 'topic', usage);
  if (json === '') throw new ShellUsageError(`missing message; usage: ${usage}`);
  return { topic, message: parseJsonArgs(json, usage) };
}

/** One `name  node` line per registration, sorted by name. */
export function formatRegistered(result: Payload): string {
  if (!Array.isArray(result)) return formatPayload(result);
  const rows = result
    .map((r) => r as { name?: unknown; node?: unknown })
    .filter((r) => typeof r.name === 'string')
    .map((r) => [String(r.name), String(r.node)] as const)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  if (rows.length === 0) return '(no names registered)';
  const width = Math.max(...rows.map(([name]) => name.length)) + 2;
  return rows.map(([name, node]) => `${pad(name, width)}${node}`).join('\n');
}

export function helpText(): string {
  const width = Math.max(...Object.values(SHELL_COMMANDS).map((c) => c.usage.length)) + 2;
  return Object.entries(SHELL_COMMANDS)
    .filter(([name]) => name !== 'exit')
    .map(([, c]) => `${pad(c.usage, width)}${c.summary}`)
    .join('\n');
}

/** Runs one line of input; empty lines do nothing. Unknown commands are usage errors. */
export async function runShellLine(ctx: ShellContext, line: string): Promise<ShellResult> {
  const { words, rest } = takeWords(line, 1);
  const name = words[0] ?? '';
  if (name === '') return { output: '' };
  const command = Object.hasOwn(SHELL_COMMANDS, name) ? SHELL_COMMANDS[name] : undefined;
  if (command === undefined) throw new ShellUsageError(`unknown command '${name}'; try 'help'`);
  return command.run(ctx, rest);
}
