/**
 * Validation of `observatory node` options. Commander hands us strings; this turns them, plus the
 * CLUSTER_COOKIE fallback, into typed options or one error that names every bad option.
 */
import { z } from 'zod';

/** Raised for bad command-line values; the message lists every problem, one per line. */
export class CliOptionsError extends Error {
  readonly code = 'bad_cli_option';
  constructor(
    command: string,
    readonly issues: readonly string[],
  ) {
    super(`${command}: invalid options:\n  ${issues.join('\n  ')}`);
    this.name = 'CliOptionsError';
  }
}

export const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const HOST_PATTERN = /^[A-Za-z0-9.:_-]{1,253}$/;
export const MIN_TICKTIME_MS = 100;
export const MAX_TICKTIME_MS = 3_600_000;

const port = z
  .string()
  .regex(/^\d{1,5}$/, { message: 'must be an integer from 0 to 65535' })
  .transform(Number)
  .refine((n) => n <= 65535, { message: 'must be an integer from 0 to 65535' });

const HOST_PORT = /^[A-Za-z0-9._-]+:(\d{1,5})$/;

/** `host:port`, with the port required (there is no port mapper). */
export const hostPort = z.string().refine(
  (s) => {
    const port = HOST_PORT.exec(s)?.[1];
    return port !== undefined && Number(port) <= 65535;
  },
  {
    error: (issue) =>
      `'${String(issue.input)}' must be host:port with a port from 0 to 65535, e.g. 127.0.0.1:9101`,
  },
);

const cookie = z
  .string({ message: 'is required (--cookie or env CLUSTER_COOKIE)' })
  .min(1, { message: 'is required (--cookie or env CLUSTER_COOKIE)' })
  .max(1024, { message: 'must be at most 1024 characters' });

const NodeOptionsSchema = z.object({
  name: z.string().regex(NAME_PATTERN, { message: 'must be 1-64 letters, digits, _ . or -' }),
  host: z.string().regex(HOST_PATTERN, { message: 'must be a host name or IP address' }),
  port,
  cookie,
  seeds: z
    .string()
    .optional()
    .transform((s) =>
      s === undefined
        ? []
        : s
            .split(',')
            .map((x) => x.trim())
            .filter((x) => x !== ''),
    )
    .pipe(z.array(hostPort)),
  hidden: z.boolean(),
  ticktime: z
    .string()
    .regex(/^\d+$/, { message: 'must be an integer number of milliseconds' })
    .transform(Number)
    .refine((n) => n >= MIN_TICKTIME_MS && n <= MAX_TICKTIME_MS, {
      message: `must be from ${MIN_TICKTIME_MS} to ${MAX_TICKTIME_MS} ms`,
    })
    .optional(),
  events: z.enum(['json', 'text'], { message: "must be 'json' or 'text'" }).optional(),
  discovery: z.enum(['static', 'gossip', 'dns'], {
    message: "must be 'static', 'gossip' or 'dns'",
  }),
});

export type NodeCliOptions = z.output<typeof NodeOptionsSchema>;

/** Raw option values as commander parsed them. */
export interface RawNodeOptions {
  readonly name?: unknown;
  readonly host?: unknown;
  readonly port?: unknown;
  readonly cookie?: unknown;
  readonly seeds?: unknown;
  readonly hidden?: unknown;
  readonly ticktime?: unknown;
  readonly events?: unknown;
  readonly discovery?: unknown;
}

/** Turns zod issues into "--option: message" lines. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const key = issue.path[0];
    return key === undefined ? issue.message : `--${String(key)}: ${issue.message}`;
  });
}

/** Validates `observatory node` options; `envCookie` is CLUSTER_COOKIE, used when --cookie is absent. */
export function parseNodeOptions(
  raw: RawNodeOptions,
  envCookie: string | undefined,
): NodeCliOptions {
  const result = NodeOptionsSchema.safeParse({
    ...raw,
    hidden: raw.hidden === true,
    discovery: raw.discovery ?? 'static',
    cookie: raw.cookie ?? (envCookie === '' ? undefined : envCookie),
  });
  if (!result.success) throw new CliOptionsError('node', formatIssues(result.error));
  return result.data;
}
