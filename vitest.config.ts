import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{cluster,agents,protocol,server,cli,bench,app,prisma}/**/*.test.ts'],
    exclude: ['node_modules/**', 'e2e/**', '.next/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Read here, once, and handed to the tests through `inject` (tests read no env themselves):
    // a PostgreSQL server for the storage tests, set by .ci/run; '' runs them on SQLite only.
    provide: { postgresUrl: process.env.TEST_POSTGRES_URL ?? '' },
  },
});
