import type { Health } from '../../protocol/http.ts';
import type { Db } from '../store/client.ts';

export interface HealthDeps {
  readonly bootId: string;
  readonly version: string;
  readonly startedAt: number;
  readonly now: () => number;
  readonly db: Db;
  readonly databaseProvider: 'sqlite' | 'postgresql';
}

/** The server's health: `degraded` when the store does not answer. */
export function healthCheck(deps: HealthDeps): () => Promise<Health> {
  return async () => {
    const ok = await deps.db.$queryRaw`SELECT 1`.then(
      () => true,
      () => false,
    );
    return {
      status: ok ? 'ok' : 'degraded',
      bootId: deps.bootId,
      version: deps.version,
      uptimeMs: deps.now() - deps.startedAt,
      database: { provider: deps.databaseProvider, ok },
    };
  };
}
