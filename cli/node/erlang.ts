/**
 * `observatory node --dist erlang` and `observatory remsh --dist erlang`: a node that speaks real
 * Erlang distribution (EPMD, version-6 handshake, hidden, registered `echo`, `rex`), and a
 * one-shot shell that calls into a BEAM node. Options and environment are read and validated
 * here; the library in cluster/erlang/ reads neither.
 */
import { homedir } from 'node:os';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import {
  BadRpcError,
  DEFAULT_EPMD_PORT,
  formatTerm,
  startErlangNode,
  tuple,
  atom,
  type ErlangNode,
  type Term,
} from '../../cluster/erlang/index.ts';
import { resolveCookie } from '../cookie-file.ts';
import { CliOptionsError } from '../options.ts';
import { formatIssues } from '../options.ts';
import { eventsSchema, portSchema, ticktimeSchema } from './options.ts';
import { parseTerms, TermSyntaxError } from './erlang-term.ts';
import { processIo, stderrLogger, type NodeIo } from './run-node.ts';

/** Environment the Erlang mode reads: CLUSTER_COOKIE, ERL_EPMD_PORT and HOME (for ~/.erlang.cookie). */
export interface ErlangEnv {
  readonly CLUSTER_COOKIE?: string | undefined;
  readonly ERL_EPMD_PORT?: string | undefined;
  readonly HOME?: string | undefined;
  readonly OBSERVATORY_AGENT_TOKEN?: string | undefined;
}

const EnvSchema = z.object({
  ERL_EPMD_PORT: z
    .string()
    .regex(/^\d{1,5}$/, { message: 'ERL_EPMD_PORT must be a port number from 1 to 65535' })
    .transform(Number)
    .refine((n) => n >= 1 && n <= 65535, {
      message: 'ERL_EPMD_PORT must be a port number from 1 to 65535',
    })
    .optional(),
});

/**
 * The cookie as every command resolves it (cli/cookie-file.ts): `--cookie` (with a warning),
 * else `--cookie-file`, else CLUSTER_COOKIE, else the per-user ~/.erlang.cookie (created when
 * missing, as erl does) — so a TypeScript node and `erl` on one account share a cookie.
 */
export function resolveErlangCookie(
  raw: { readonly cookie?: unknown; readonly cookieFile?: unknown },
  env: ErlangEnv,
  command: string,
): string {
  return resolveCookie(command, {
    flag: raw.cookie,
    file: raw.cookieFile,
    env: env.CLUSTER_COOKIE,
    home: env.HOME ?? homedir(),
    warn: (line) => process.stderr.write(`${line}\n`),
  });
}

const NodeSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}(@[A-Za-z0-9_.-]{1,253})?$/, {
    message: 'must be name@host (or a short name: the host is then --host)',
  }),
  host: z
    .string()
    .regex(/^[A-Za-z0-9.:_-]{1,253}$/, { message: 'must be a host name or IP address' }),
  port: portSchema,
  ticktime: ticktimeSchema.optional(),
  events: eventsSchema.optional(),
});

export interface ErlangNodeCliOptions {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly cookie: string;
  readonly epmdPort: number;
  readonly ticktimeMs: number | undefined;
  readonly events: 'json' | 'text' | undefined;
  /** `--observatory` URL origin and token (flag or OBSERVATORY_AGENT_TOKEN), when streaming */
  readonly observatory: { readonly url: string; readonly token: string } | undefined;
}

/** Validates `observatory node --dist erlang` options; `portGiven` is false when --port was defaulted. */
export function parseErlangNodeOptions(
  raw: Record<string, unknown>,
  env: ErlangEnv,
  portGiven: boolean,
): ErlangNodeCliOptions {
  const parsed = NodeSchema.safeParse({ ...raw, port: portGiven ? raw.port : '0' });
  const envParsed = EnvSchema.safeParse({ ERL_EPMD_PORT: env.ERL_EPMD_PORT || undefined });
  const issues = [
    ...(parsed.success ? [] : formatIssues(parsed.error)),
    ...(envParsed.success ? [] : envParsed.error.issues.map((i) => i.message)),
  ];
  const observatory = parseObservatory(raw, env, issues);
  if (!parsed.success || !envParsed.success || issues.length > 0)
    throw new CliOptionsError('node', issues);
  const cookie = resolveErlangCookie(raw, env, 'node');
  const o = parsed.data;
  return {
    name: o.name.includes('@') ? o.name : `${o.name}@${o.host}`,
    host: o.host,
    port: o.port,
    cookie,
    epmdPort: envParsed.data.ERL_EPMD_PORT ?? DEFAULT_EPMD_PORT,
    ticktimeMs: o.ticktime,
    events: o.events,
    observatory,
  };
}

/** `--observatory URL` with `--agent-token` (or OBSERVATORY_AGENT_TOKEN); issues go to `issues`. */
function parseObservatory(
  raw: Record<string, unknown>,
  env: ErlangEnv,
  issues: string[],
): { url: string; token: string } | undefined {
  if (raw.observatory === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(typeof raw.observatory === 'string' ? raw.observatory : '');
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      issues.push('--observatory: must be an http:// or https:// URL');
      url = undefined;
    }
  } catch {
    issues.push('--observatory: must be a URL such as http://127.0.0.1:3000');
  }
  const token = typeof raw.agentToken === 'string' ? raw.agentToken : env.OBSERVATORY_AGENT_TOKEN;
  if (token === undefined || token === '') {
    issues.push('--agent-token: is required with --observatory (or env OBSERVATORY_AGENT_TOKEN)');
    return undefined;
  }
  return url === undefined ? undefined : { url: url.origin, token };
}

/** Runs the node until SIGINT/SIGTERM. */
export async function runErlangNode(
  o: ErlangNodeCliOptions,
  io: NodeIo = processIo,
): Promise<ErlangNode> {
  const node = await startErlangNode({
    name: o.name,
    cookie: o.cookie,
    listenHost: o.host,
    port: o.port,
    epmdPort: o.epmdPort,
    ticktimeMs: o.ticktimeMs,
    logger: stderrLogger(o.name, io),
  });
  if (o.events !== undefined)
    node.onNodeEvent((e) =>
      io.out(
        o.events === 'json'
          ? JSON.stringify(e)
          : `${e.event} ${e.node}${e.reason === undefined ? '' : ` (${e.reason})`}`,
      ),
    );
  const epmd =
    node.embeddedEpmdPort === undefined
      ? `EPMD port ${o.epmdPort}`
      : `embedded EPMD on port ${node.embeddedEpmdPort}`;
  io.out(`node ${node.name} up (erlang distribution, hidden) on ${o.host}:${node.port}, ${epmd}`);
  // The agent counts this node's Erlang links (frames, sizes, ticks) like a native node's.
  const agent =
    o.observatory === undefined
      ? undefined
      : (await import('../../agents/index.ts')).attachAgent(node.agentView(), {
          url: o.observatory.url,
          token: o.observatory.token,
          onKill: () => process.kill(process.pid, 'SIGKILL'),
        });
  const shutdown = (signal: NodeJS.Signals) => {
    process.once(signal, () => process.exit(130));
    (agent?.detach() ?? Promise.resolve())
      .then(() => node.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  return node;
}

// ---- remsh ----

const HELP = [
  'commands (arguments are Erlang term literals):',
  '  ping                      net_adm:ping the target',
  '  nodes                     nodes this shell is connected to',
  '  call M F [Arg ...]        rpc through the target’s rex server',
  '  erpc M F [Arg ...]        erpc:call (a spawn request of erpc:execute_call/4)',
  '  quit',
].join('\n');

/** One shell line → the text to print and whether it failed. */
export async function runErlangShellLine(
  node: ErlangNode,
  target: string,
  line: string,
  timeoutMs: number,
): Promise<{ text: string; ok: boolean }> {
  const [verb, ...rest] = line.trim().split(/\s+/);
  try {
    switch (verb) {
      case 'ping':
        return { text: await node.ping(target, timeoutMs), ok: true };
      case 'nodes':
        return { text: formatTerm(node.nodes().map((n) => atom(n))), ok: true };
      case 'call':
      case 'erpc': {
        const [m, f, ...args] = rest;
        if (m === undefined || f === undefined)
          return { text: `usage: ${verb} Module Function [Arg ...]`, ok: false };
        const parsedArgs = parseTerms(args.join(' '));
        const fn = verb === 'call' ? node.call.bind(node) : node.erpcCall.bind(node);
        return { text: formatTerm(await fn(target, m, f, parsedArgs, timeoutMs)), ok: true };
      }
      case 'help':
      case undefined:
        return { text: HELP, ok: true };
      default:
        return { text: `unknown command ${verb}\n${HELP}`, ok: false };
    }
  } catch (error) {
    if (error instanceof BadRpcError)
      return { text: formatTerm(tuple(atom('badrpc'), error.reason as Term)), ok: false };
    if (error instanceof TermSyntaxError) return { text: error.message, ok: false };
    return { text: `error: ${error instanceof Error ? error.message : String(error)}`, ok: false };
  }
}

/** `observatory remsh NODE --dist erlang …`: returns the exit status. */
export async function runErlangRemsh(
  targetText: string,
  raw: Record<string, unknown>,
  env: ErlangEnv,
  io: NodeIo = processIo,
): Promise<number> {
  const issues: string[] = [];
  if (!/^[A-Za-z0-9_.-]{1,64}@[A-Za-z0-9_.-]{1,253}$/.test(targetText))
    issues.push('<target>: must be an Erlang node name, name@host');
  const timeout = /^\d+$/.test(String(raw.timeout)) ? Number(raw.timeout) : NaN;
  if (!(timeout >= 1 && timeout <= 600_000)) issues.push('--timeout: must be from 1 to 600000 ms');
  const envParsed = EnvSchema.safeParse({ ERL_EPMD_PORT: env.ERL_EPMD_PORT || undefined });
  if (!envParsed.success) issues.push(...envParsed.error.issues.map((i) => i.message));
  if (issues.length > 0) throw new CliOptionsError('remsh', issues);
  const cookie = resolveErlangCookie(raw, env, 'remsh');
  const host = typeof raw.host === 'string' ? raw.host : '127.0.0.1';
  const node = await startErlangNode({
    name: `remsh-${process.pid}@${host}`,
    cookie,
    listenHost: host,
    epmdPort: envParsed.data?.ERL_EPMD_PORT ?? DEFAULT_EPMD_PORT,
    publish: false,
    echo: false,
    logger: stderrLogger('remsh', io, raw.verbose === true ? 'debug' : 'error'),
  });
  try {
    try {
      await node.connect(targetText);
    } catch (error) {
      io.err(
        `remsh: cannot connect to ${targetText}: ${error instanceof Error ? error.message : String(error)}`,
      );
      return 1;
    }
    if (typeof raw.command === 'string') {
      const r = await runErlangShellLine(node, targetText, raw.command, timeout);
      (r.ok ? io.out : io.err)(r.text);
      return r.ok ? 0 : 1;
    }
    const rl = createInterface({ input: process.stdin });
    for await (const line of rl) {
      if (line.trim() === 'quit') break;
      if (line.trim() === '') continue;
      const r = await runErlangShellLine(node, targetText, line, timeout);
      io.out(r.text);
    }
    return 0;
  } finally {
    await node.close();
  }
}
