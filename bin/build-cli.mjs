#!/usr/bin/env node
// `npm run build:cli`: bundles `observatory node` and `observatory remsh` (cli/bundle-entry.ts
// and the runtime it imports) into dist/observatory-node.mjs (plus chunks) with esbuild; npm packages stay
// external. It also writes dist/observatory-node.inputs.json, the source files the bundle was
// built from, so that bin/observatory.mjs can tell whether the bundle is stale.
import console from 'node:console';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  // A production install without devDependencies: bin/observatory.mjs falls back to tsx.
  console.warn('build:cli: esbuild is not installed; observatory node/remsh will run through tsx');
  process.exit(0);
}
// Old chunks would pile up under new hashes.
rmSync(resolve(root, 'dist'), { recursive: true, force: true });
const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['cli/bundle-entry.ts'],
  // Chunks per dynamic import, so that what `node` loads only on demand (the agent's socket.io
  // client, the shard store's database drivers) is not imported at start: with one file, esbuild
  // hoists every external import to the top. Flat in dist/ so `../package.json` still resolves.
  outdir: 'dist',
  entryNames: 'observatory-node',
  chunkNames: 'observatory-node-[hash]',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});
const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('node_modules/'));
writeFileSync(
  resolve(root, 'dist/observatory-node.inputs.json'),
  `${JSON.stringify({ inputs }, null, 1)}\n`,
);
console.log(`build:cli: dist/observatory-node.mjs from ${inputs.length} source files`);
