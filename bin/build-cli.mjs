#!/usr/bin/env node
// `npm run build:cli`: bundles `observatory node` and `observatory remsh` (cli/bundle-entry.ts
// and the runtime it imports) into dist/observatory-node.mjs (plus chunks) with esbuild; npm packages stay
// external. It also writes dist/observatory-node.inputs.json, the source files the bundle was
// built from, so that bin/observatory.mjs can tell whether the bundle is stale.
import console from 'node:console';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
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
/** Every dependency but those inlined (INLINED), and their subpaths. */
function externalPackages() {
  const INLINED = new Set(['zod', 'commander']);
  const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
  const names = Object.keys({
    ...pkg.dependencies,
    ...pkg.devDependencies,
    ...pkg.optionalDependencies,
  });
  return names.filter((name) => !INLINED.has(name)).flatMap((name) => [name, `${name}/*`]);
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
  // npm packages stay external (installed beside the bundle), except the two the node loads at
  // every start: inlined, zod costs ~6 MiB less RSS than through the ESM loader (its module
  // graph is dozens of files, all locales included) — issue #20's memory per node
  external: externalPackages(),
  // commander is CommonJS: its require() of Node's modules needs a real require in ESM output
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
  logLevel: 'warning',
});
const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('node_modules/'));
writeFileSync(
  resolve(root, 'dist/observatory-node.inputs.json'),
  `${JSON.stringify({ inputs }, null, 1)}\n`,
);
console.log(`build:cli: dist/observatory-node.mjs from ${inputs.length} source files`);
