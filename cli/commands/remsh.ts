import { homedir } from 'node:os';
import { Command } from 'commander';
import { z } from 'zod';
import { resolveCookie } from '../cookie-file.ts';
import { CliOptionsError, formatIssues, kebabIssues } from '../options.ts';
import { readablePath, tlsOf } from '../node/options.ts';
import { parseTarget } from '../remsh/target.ts';
import { addErlangOptions, runDistOption } from '../node/erlang-cli.ts';

const DEFAULT_REMSH_TIMEOUT_MS = 5_000;

const RemshOptionsSchema = z.object({
  cookie: z
    .string({ message: 'is required (--cookie or env CLUSTER_COOKIE)' })
    .min(1, { message: 'is required (--cookie or env CLUSTER_COOKIE)' }),
  host: z
    .string()
    .regex(/^[A-Za-z0-9.:_-]{1,253}$/, { message: 'must be a host name or IP address' }),
  command: z.string().optional(),
  timeout: z
    .string()
    .regex(/^\d+$/, { message: 'must be an integer number of milliseconds' })
    .transform(Number)
    .refine((n) => n >= 1 && n <= 600_000, { message: 'must be from 1 to 600000 ms' }),
  verbose: z.boolean(),
  tlsCert: readablePath.optional(),
  tlsKey: readablePath.optional(),
  tlsCa: readablePath.optional(),
});

/** `observatory remsh`: a remote shell joining as a hidden node (owned by the runtime issue). */
export function remshCommand(): Command {
  return addErlangOptions(nativeRemshCommand());
}

function nativeRemshCommand(): Command {
  return new Command('remsh')
    .description('open a remote shell on a node (joins as a hidden node); no code evaluation')
    .argument('<target>', 'name@host:port of the node')
    .option('--cookie <cookie>', 'shared cluster cookie (visible in ps: prefer --cookie-file)')
    .option(
      '--cookie-file <path>',
      'file holding the cookie, owner-only (default: env CLUSTER_COOKIE, else ~/.erlang.cookie)',
    )
    .option('--command <command>', "run one command non-interactively and exit (e.g. 'nodes')")
    .option('--host <host>', 'address of the shell’s own hidden node', '127.0.0.1')
    .option(
      '--timeout <ms>',
      'deadline for connecting and for each remote call',
      String(DEFAULT_REMSH_TIMEOUT_MS),
    )
    .option('--verbose', 'log the runtime’s debug messages to stderr', false)
    .option('--tls-cert <path>', 'PEM certificate of the shell’s node, for a cluster using TLS')
    .option('--tls-key <path>', 'PEM private key of --tls-cert')
    .option('--tls-ca <path>', 'PEM CA that the target’s certificate must be signed by')
    .action(async (targetText: string, raw: Record<string, unknown>, command: Command) => {
      if (await runDistOption('remsh', raw, command, targetText)) return;
      const target = parseTarget(targetText);
      // Every other flag first: resolving the cookie may create ~/.erlang.cookie, and bad input
      // must cost nothing.
      const parsed = RemshOptionsSchema.safeParse({
        ...raw,
        cookie: typeof raw.cookie === 'string' ? raw.cookie : '-',
      });
      const issues = [
        ...(typeof target === 'string' ? [`<target>: ${target}`] : []),
        ...(parsed.success ? [] : kebabIssues(formatIssues(parsed.error))),
      ];
      if (typeof target === 'string' || !parsed.success) throw new CliOptionsError('remsh', issues);
      const tls = tlsOf(parsed.data, 'remsh');
      const cookie = resolveCookie('remsh', {
        flag: raw.cookie,
        file: raw.cookieFile,
        env: process.env.CLUSTER_COOKIE,
        home: homedir(),
        warn: (line) => process.stderr.write(`${line}\n`),
      });
      const { runRemsh } = await import('../remsh/run-remsh.ts');
      const status = await runRemsh({
        target,
        cookie,
        host: parsed.data.host,
        command: parsed.data.command,
        timeoutMs: parsed.data.timeout,
        verbose: parsed.data.verbose,
        ...(tls !== undefined && { tls }),
      });
      process.exit(status);
    });
}
