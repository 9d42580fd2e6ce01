/**
 * Validation of `observatory node` options. Commander hands us strings; this turns them, plus the
 * CLUSTER_COOKIE fallback, into typed options or one error that names every bad option.
 */
import { accessSync, constants } from 'node:fs';
import { z } from 'zod';
import type { TlsOptions } from '../../cluster/api.ts';
import { CliOptionsError, formatIssues, kebabIssues } from '../options.ts';

export const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const HOST_PATTERN = /^[A-Za-z0-9.:_-]{1,253}$/;
export const MIN_TICKTIME_MS = 100;
export const MAX_TICKTIME_MS = 3_600_000;

/** net_ticktime in ms, within the bounds a node accepts. */
export const ticktimeSchema = z
  .string()
  .regex(/^\d+$/, { message: 'must be an integer number of milliseconds' })
  .transform(Number)
  .refine((n) => n >= MIN_TICKTIME_MS && n <= MAX_TICKTIME_MS, {
    message: `must be from ${MIN_TICKTIME_MS} to ${MAX_TICKTIME_MS} ms`,
  });

/** How a node reports itself on stdout. */
export const eventsSchema = z.enum(['json', 'text'], { message: "must be 'json' or 'text'" });

/** A listening port, 0 for any free one. */
export const portSchema = z
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

/** A file this process can read (certificates, keys, CAs), checked before anything starts. */
export const readablePath = z.string().refine(
  (path) => {
    try {
      accessSync(path, constants.R_OK);
      return true;
    } catch {
      return false;
    }
  },
  { error: (issue) => `cannot read ${String(issue.input)}` },
);

const NodeOptionsSchema = z.object({
  name: z.string().regex(NAME_PATTERN, { message: 'must be 1-64 letters, digits, _ . or -' }),
  host: z.string().regex(HOST_PATTERN, { message: 'must be a host name or IP address' }),
  port: portSchema,
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
  /** `--connect-all false`: no transitive links (Erlang's -connect_all false); default true */
  connectAll: z
    .enum(['true', 'false'], { message: "must be 'true' or 'false'" })
    .default('true')
    .transform((v) => v === 'true'),
  ticktime: ticktimeSchema.optional(),
  events: eventsSchema.optional(),
  discovery: z.enum(['static', 'gossip', 'dns'], {
    message: "must be 'static', 'gossip' or 'dns'",
  }),
  tlsCert: readablePath.optional(),
  tlsKey: readablePath.optional(),
  tlsCa: readablePath.optional(),
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
  readonly connectAll?: unknown;
  readonly ticktime?: unknown;
  readonly events?: unknown;
  readonly discovery?: unknown;
  readonly tlsCert?: unknown;
  readonly tlsKey?: unknown;
  readonly tlsCa?: unknown;
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
  if (!result.success) throw new CliOptionsError('node', kebabIssues(formatIssues(result.error)));
  tlsOf(result.data, 'node');
  return result.data;
}

/** The three TLS flags, validated (each a readable file) but not yet checked as a set. */
export interface TlsFlags {
  readonly tlsCert?: string | undefined;
  readonly tlsKey?: string | undefined;
  readonly tlsCa?: string | undefined;
}

/**
 * The `tls` option of `startNode` from `--tls-cert/--tls-key/--tls-ca`: all three or none.
 * @throws CliOptionsError when only some were given
 */
export function tlsOf(flags: TlsFlags, command = 'node'): TlsOptions | undefined {
  const { tlsCert, tlsKey, tlsCa } = flags;
  if (tlsCert !== undefined && tlsKey !== undefined && tlsCa !== undefined)
    return { certFile: tlsCert, keyFile: tlsKey, caFile: tlsCa };
  if (tlsCert === undefined && tlsKey === undefined && tlsCa === undefined) return undefined;
  throw new CliOptionsError(command, [
    '--tls-cert, --tls-key, --tls-ca: give all three (mutual TLS needs a certificate, its key and the CA peers are checked against)',
  ]);
}
