#!/usr/bin/env node
// The published entry point is plain JavaScript so that `npx observatory` and `node bin/…` work
// without a build step; tsx's ESM hooks then let the CLI (and everything it imports) stay .ts.
// `observatory node` and `observatory remsh` run from the esbuild bundle that `npm run build:cli`
// writes (about half the idle RSS of the tsx loader) whenever it exists and is at least as new as
// every source file it was built from; otherwise, or with OBSERVATORY_NO_BUNDLE=1, through tsx.
import { readFileSync, statSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const BUNDLED_COMMANDS = new Set(['node', 'remsh', 'drill-client']);
const root = new URL('../', import.meta.url);
const bundle = new URL('dist/observatory-node.mjs', root);

/** True when the bundle exists and no source it was built from changed since. */
function bundleIsFresh() {
  try {
    const builtAt = statSync(bundle).mtimeMs;
    const { inputs } = JSON.parse(
      readFileSync(new URL('dist/observatory-node.inputs.json', root), 'utf8'),
    );
    return inputs.every((input) => statSync(new URL(input, root)).mtimeMs <= builtAt);
  } catch {
    // missing bundle, missing or deleted input: the sources are the truth
    return false;
  }
}

const command = process.argv[2];
if (BUNDLED_COMMANDS.has(command) && process.env.OBSERVATORY_NO_BUNDLE !== '1' && bundleIsFresh()) {
  const { main } = await import(bundle.href);
  await main(process.argv);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../cli/main.ts');
  await main(process.argv);
}
