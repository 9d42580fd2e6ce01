import type { Db } from '../store/client.ts';
import type { ApiHandler } from './api.ts';

export interface HealthDeps {
  readonly bootId: string;
  readonly version: string;
  readonly startedAt: number;
  readonly now: () => number;
  readonly db: Db;
  readonly databaseProvider: 'sqlite' | 'postgresql';
}

/** The `/api/health` body. */
export interface Health {
  readonly status: 'ok' | 'degraded';
  readonly bootId: string;
  readonly version: string;
  readonly uptimeMs: number;
  readonly database: { readonly provider: 'sqlite' | 'postgresql'; readonly ok: boolean };
}

/** `GET /api/health`: 200 when the store answers, 503 when it does not. */
export function healthHandler(deps: HealthDeps): ApiHandler {
  return async () => {
    const ok = await deps.db.$queryRaw`SELECT 1`.then(
      () => true,
      () => false,
    );
    const body: Health = {
      status: ok ? 'ok' : 'degraded',
      bootId: deps.bootId,
      version: deps.version,
      uptimeMs: deps.now() - deps.startedAt,
      database: { provider: deps.databaseProvider, ok },
    };
    return { status: ok ? 200 : 503, body };
  };
}
