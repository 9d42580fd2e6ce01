import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{cluster,agents,protocol,server,cli,bench,app,prisma}/**/*.test.ts'],
    exclude: ['node_modules/**', 'e2e/**', '.next/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
