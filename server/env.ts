/**
 * The observatory's environment, validated once at start-up. This module and `cli/` are the only
 * places that read `process.env`; everything else receives a typed `ServerEnv`.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_DATABASE_URL, DEFAULT_HOST, DEFAULT_SERVER_PORT } from '../protocol/constants.ts';
import { DEFAULT_DRILL_RUNS_KEPT } from './drills/drill-store.ts';
import { DEFAULT_DRILL_HISTORY_MAX_BYTES } from './drills/history-files.ts';

/** Raised when an environment variable has a bad value; the message names every bad variable. */
export class EnvError extends Error {
  readonly code = 'ENV_INVALID';
  constructor(
    message: string,
    readonly issues: readonly string[],
  ) {
    super(message);
    this.name = 'EnvError';
  }
}

// An empty variable (`FOO=`) means "not set", as most shells and .env files intend.
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const databaseUrl = z.string().refine((v) => /^(file:|postgres(ql)?:\/\/)/.test(v), {
  message: 'must start with file: (SQLite) or postgres:// / postgresql:// (PostgreSQL)',
});

const token = (min: number) =>
  z
    .string()
    .min(min, { message: `must be at least ${min} characters` })
    .regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces' });

const positiveInt = z
  .string()
  .regex(/^\d+$/, { message: 'must be a positive integer' })
  .transform(Number)
  .refine((n) => n >= 1 && Number.isSafeInteger(n), { message: 'must be a positive integer' });

const commaList = (item: z.ZodType<string, string>) =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== ''),
    )
    .pipe(z.array(item).max(64));

// An origin is scheme://host[:port] and nothing more, as browsers send it in `Origin`.
const origin = z.string().refine(
  (v) => {
    try {
      const url = new URL(v);
      return (
        (url.protocol === 'http:' || url.protocol === 'https:') &&
        url.origin === v.replace(/\/$/, '')
      );
    } catch {
      return false;
    }
  },
  {
    message:
      'must be comma-separated origins such as https://observatory.example:8443 (scheme, host, optional port; no path)',
  },
);
const hostNameItem = z.string().regex(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/i, {
  message: 'must be comma-separated host names such as observatory.internal (no scheme, no port)',
});

const EnvSchema = z.object({
  PORT: optional(z.coerce.number().int().min(0).max(65535)),
  HOST: optional(z.string().min(1)),
  DATABASE_URL: optional(databaseUrl),
  OBSERVATORY_ADMIN_TOKEN: optional(token(16)),
  OBSERVATORY_AGENT_TOKEN: optional(token(8)),
  CLUSTER_COOKIE: optional(z.string().min(1)),
  OBSERVATORY_DEV: optional(z.enum(['0', '1', 'true', 'false'])),
  OBSERVATORY_DRILL_RETENTION: optional(positiveInt),
  OBSERVATORY_DRILL_HISTORY_DIR: optional(z.string().min(1)),
  OBSERVATORY_DRILL_HISTORY_MAX_MB: optional(positiveInt),
  OBSERVATORY_ROLLUP_1M_RETENTION_DAYS: optional(positiveInt),
  OBSERVATORY_ALLOWED_ORIGINS: optional(commaList(origin)),
  OBSERVATORY_ALLOWED_HOSTS: optional(commaList(hostNameItem)),
  OBSERVATORY_MULTI_SERVER: optional(z.enum(['0', '1', 'true', 'false'])),
});

const SECRETS = new Set(['OBSERVATORY_ADMIN_TOKEN', 'OBSERVATORY_AGENT_TOKEN', 'CLUSTER_COOKIE']);

/** The validated environment of an observatory server process. */
export interface ServerEnv {
  /** `PORT`; default 3000; 0 picks a free port. */
  readonly port: number;
  /** `HOST`; default 127.0.0.1 (loopback only, on purpose). */
  readonly host: string;
  /** `DATABASE_URL`; default `file:./data/observatory.db` (relative to the working directory). */
  readonly databaseUrl: string;
  /** `OBSERVATORY_ADMIN_TOKEN`, or a random one generated for this run. */
  readonly adminToken: string;
  readonly adminTokenGenerated: boolean;
  /** `OBSERVATORY_AGENT_TOKEN`, or a random one generated for this run. */
  readonly agentToken: string;
  readonly agentTokenGenerated: boolean;
  /** `CLUSTER_COOKIE`, used by the lab launcher for the nodes it spawns. */
  readonly clusterCookie: string | undefined;
  /** `OBSERVATORY_DEV=1` runs Next.js in development mode. */
  readonly dev: boolean;
  /** `OBSERVATORY_DRILL_RETENTION`: drill runs kept in the store; default 200. */
  readonly drillRunsKept: number;
  /** `OBSERVATORY_DRILL_HISTORY_DIR`: where drill histories are kept; default beside the store. */
  readonly drillHistoryDir: string | undefined;
  /** `OBSERVATORY_DRILL_HISTORY_MAX_MB`, in bytes: drill history files kept; default 512 MiB. */
  readonly drillHistoryMaxBytes: number;
  /**
   * `OBSERVATORY_ROLLUP_1M_RETENTION_DAYS`, in ms: how long 1 min traffic rollups are kept;
   * undefined keeps the history default (30 days).
   */
  readonly rollup60RetentionMs: number | undefined;
  /**
   * `OBSERVATORY_ALLOWED_ORIGINS`: origins trusted like the server's own for cookie-authenticated
   * changes and `/ui` (e.g. a reverse proxy's https origin); their hosts are allowed too.
   */
  readonly allowedOrigins: readonly string[];
  /** `OBSERVATORY_ALLOWED_HOSTS`: host names the server may be reached by, besides IPs and localhost. */
  readonly allowedHosts: readonly string[];
  /**
   * `OBSERVATORY_MULTI_SERVER=1`: this server is one of several on one PostgreSQL store (live
   * model shared through the socket.io PostgreSQL adapter, jobs run once cluster-wide).
   */
  readonly multiServer: boolean;
}

/** A fresh URL-safe random token. */
export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Validates `source` (normally `process.env`) and fills in defaults.
 * @throws EnvError listing every bad variable.
 */
export function parseEnv(source: Readonly<Record<string, string | undefined>>): ServerEnv {
  const result = EnvSchema.safeParse(source);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      // Never echo a secret back into logs, even a wrong one.
      const got = SECRETS.has(name) ? '' : ` (got ${JSON.stringify(source[name])})`;
      return `${name}: ${issue.message}${got}`;
    });
    throw new EnvError(`invalid environment:\n  ${issues.join('\n  ')}`, issues);
  }
  const env = result.data;
  const multiServer =
    env.OBSERVATORY_MULTI_SERVER === '1' || env.OBSERVATORY_MULTI_SERVER === 'true';
  const databaseUrlValue = env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  if (multiServer && !/^postgres(ql)?:\/\//.test(databaseUrlValue)) {
    // SQLite is one file on one machine: several servers cannot share it, nor its live events.
    const issue =
      'OBSERVATORY_MULTI_SERVER: several observatory servers need a shared PostgreSQL store; ' +
      `DATABASE_URL is SQLite (${env.DATABASE_URL === undefined ? 'the default' : 'file:'}), which serves one server only. ` +
      'Set DATABASE_URL=postgres://… or unset OBSERVATORY_MULTI_SERVER';
    throw new EnvError(`invalid environment:\n  ${issue}`, [issue]);
  }
  const adminToken = env.OBSERVATORY_ADMIN_TOKEN ?? generateToken();
  const agentToken = env.OBSERVATORY_AGENT_TOKEN ?? generateToken();
  return {
    port: env.PORT ?? DEFAULT_SERVER_PORT,
    host: env.HOST ?? DEFAULT_HOST,
    databaseUrl: databaseUrlValue,
    adminToken,
    adminTokenGenerated: env.OBSERVATORY_ADMIN_TOKEN === undefined,
    agentToken,
    agentTokenGenerated: env.OBSERVATORY_AGENT_TOKEN === undefined,
    clusterCookie: env.CLUSTER_COOKIE,
    dev: env.OBSERVATORY_DEV === '1' || env.OBSERVATORY_DEV === 'true',
    drillRunsKept: env.OBSERVATORY_DRILL_RETENTION ?? DEFAULT_DRILL_RUNS_KEPT,
    drillHistoryDir: env.OBSERVATORY_DRILL_HISTORY_DIR,
    drillHistoryMaxBytes:
      env.OBSERVATORY_DRILL_HISTORY_MAX_MB === undefined
        ? DEFAULT_DRILL_HISTORY_MAX_BYTES
        : env.OBSERVATORY_DRILL_HISTORY_MAX_MB * 1024 * 1024,
    rollup60RetentionMs:
      env.OBSERVATORY_ROLLUP_1M_RETENTION_DAYS === undefined
        ? undefined
        : env.OBSERVATORY_ROLLUP_1M_RETENTION_DAYS * 86_400_000,
    allowedOrigins: (env.OBSERVATORY_ALLOWED_ORIGINS ?? []).map((o) => new URL(o).origin),
    allowedHosts: env.OBSERVATORY_ALLOWED_HOSTS ?? [],
    multiServer,
  };
}

/** `parseEnv(process.env)`. */
export function loadEnv(): ServerEnv {
  return parseEnv(process.env);
}

/**
 * The environment for a `next build` child process: ours, with Next.js telemetry off (only
 * loopback is reachable here, and a user's lab should not phone home anyway).
 */
export function nextBuildEnv(): NodeJS.ProcessEnv {
  return { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
}

/**
 * Variables a child process of the server must not inherit: the admin token (a node that could
 * read it could drive every control route), the server's store URL (it may carry a password),
 * and our own secrets, which a child receives explicitly or not at all.
 */
export const SERVER_ONLY_ENV: readonly string[] = [
  'OBSERVATORY_ADMIN_TOKEN',
  'DATABASE_URL',
  'OBSERVATORY_AGENT_TOKEN',
  'CLUSTER_COOKIE',
  'OBSERVATORY_STORE_URL',
];

/** `source` without {@link SERVER_ONLY_ENV}. */
export function scrubbedEnv(
  source: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(source))
    if (value !== undefined && !SERVER_ONLY_ENV.includes(key)) env[key] = value;
  return env;
}

/** The secrets a lab node is given, through its environment (never its argv, which `ps` shows). */
export interface LabNodeSecrets {
  /** CLUSTER_COOKIE */
  readonly cookie: string;
  /** OBSERVATORY_AGENT_TOKEN: the credential this node's agent presents on `/agent` */
  readonly agentToken: string;
  /** OBSERVATORY_STORE_URL of the node's shards service, when it runs one */
  readonly storeUrl?: string;
}

/**
 * The environment for a lab node process: ours scrubbed of every server secret, plus the node's
 * own secrets, with `NODE_ENV` set to `production` when we have none (as the server itself gets
 * it; `observatory start` sets it before the lab loads).
 */
export function labNodeEnv(
  secrets: LabNodeSecrets,
  source: Readonly<Record<string, string | undefined>> = process.env,
): NodeJS.ProcessEnv {
  return {
    ...scrubbedEnv(source),
    NODE_ENV: source.NODE_ENV ?? 'production',
    CLUSTER_COOKIE: secrets.cookie,
    OBSERVATORY_AGENT_TOKEN: secrets.agentToken,
    ...(secrets.storeUrl !== undefined && { OBSERVATORY_STORE_URL: secrets.storeUrl }),
  } as NodeJS.ProcessEnv;
}
