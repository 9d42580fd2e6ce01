// Offline: every Prisma CLI command otherwise tries to download a schema-engine binary from a host
// this environment cannot reach. `generate`, `validate` and `format` run on the WebAssembly that
// ships in the npm package, so pointing the engine at /bin/false is safe. Migrations are plain SQL
// applied by server/store/migrate.ts (see prisma/README.md).
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= '/bin/false';

import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
