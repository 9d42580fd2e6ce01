/**
 * The lab's nodes run from the CLI bundle (`dist/observatory-node.mjs`) when it is fresh, else
 * through tsx (bin/observatory.mjs decides, by the same rule as `bundleIsFresh` here). Through
 * tsx a node takes twice the RSS (~120 against ~60 MiB) and several times the CPU to start: in a
 * 100-node lab, 12 GB and minutes of start-up. A larger lab therefore rebuilds a stale bundle
 * first, as the mesh-scale bench does.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.ts';

/** True when the bundle exists and no source it was built from changed since. */
export function bundleIsFresh(root = PROJECT_ROOT): boolean {
  try {
    const builtAt = statSync(join(root, 'dist', 'observatory-node.mjs')).mtimeMs;
    const { inputs } = JSON.parse(
      readFileSync(join(root, 'dist', 'observatory-node.inputs.json'), 'utf8'),
    ) as { inputs: string[] };
    return inputs.every((input) => statSync(join(root, input)).mtimeMs <= builtAt);
  } catch {
    return false;
  }
}

/** Rebuilds a stale bundle (a few seconds); returns whether it built. */
export function ensureNodeBundle(log: (line: string) => void): boolean {
  if (bundleIsFresh()) return false;
  log('Lab: the node bundle is older than its sources; rebuilding it (npm run build:cli)');
  execFileSync(process.execPath, [join(PROJECT_ROOT, 'bin', 'build-cli.mjs')], {
    cwd: PROJECT_ROOT,
    stdio: 'ignore',
  });
  return true;
}
