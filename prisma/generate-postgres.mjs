// Derives prisma/postgres/schema.prisma from prisma/schema.prisma: one generated client serves one
// provider, so PostgreSQL needs its own schema file with the same models. Deriving it (instead of
// keeping two copies) means the models can never differ.
import process from 'node:process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = readFileSync(join(here, 'schema.prisma'), 'utf8');

const derived = source
  .replace(/provider\s*=\s*"sqlite"/, 'provider = "postgresql"')
  .replace(/output(\s*)=\s*"\.\/generated\/sqlite"/, 'output$1= "../generated/postgres"');

if (!derived.includes('"postgresql"') || !derived.includes('../generated/postgres')) {
  process.stderr.write(
    'generate-postgres: could not rewrite provider/output in prisma/schema.prisma\n',
  );
  process.exit(1);
}

const header = '// GENERATED from ../schema.prisma by prisma/generate-postgres.mjs. Do not edit.\n';
mkdirSync(join(here, 'postgres'), { recursive: true });
writeFileSync(join(here, 'postgres', 'schema.prisma'), header + derived);
