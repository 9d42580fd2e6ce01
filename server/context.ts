/**
 * The running server's shared state, for code that Next.js bundles separately (route handlers,
 * server components): those get their own copies of our modules, so the state is published on
 * `globalThis` under a registered symbol instead of in a module variable.
 */
import type { SessionStore } from './control/sessions.ts';
import type { Observatory } from './observatory.ts';
import type { Realtime } from './realtime/io.ts';
import type { Db } from './store/client.ts';

export interface ServerContext {
  readonly bootId: string;
  readonly version: string;
  /** ms since epoch */
  readonly startedAt: number;
  readonly db: Db;
  readonly realtime: Realtime;
  readonly adminToken: string;
  readonly agentToken: string;
  /** live dashboard sessions (the observatory's own) */
  readonly sessions: SessionStore;
  /** ingest, live model, history, control, metrics */
  readonly observatory: Observatory;
}

const KEY = Symbol.for('cluster-observatory.server-context');
type WithContext = typeof globalThis & { [KEY]?: ServerContext };

/** Publishes the context of the server running in this process (or clears it with undefined). */
export function setServerContext(context: ServerContext | undefined): void {
  (globalThis as WithContext)[KEY] = context;
}

/** The context of the server running in this process, if one is running. */
export function getServerContext(): ServerContext | undefined {
  return (globalThis as WithContext)[KEY];
}
