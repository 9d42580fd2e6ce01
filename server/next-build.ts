/** Builds the dashboard once, on first start, so that a fresh clone needs only `npm start`. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { nextBuildEnv } from './env.ts';
import { PROJECT_ROOT } from './paths.ts';

/** True when `next build` output exists in the project. */
export function hasNextBuild(root: string = PROJECT_ROOT): boolean {
  return existsSync(join(root, '.next', 'BUILD_ID'));
}

/** Runs `next build` when no build exists, streaming its output to stderr. */
export async function ensureNextBuild(root: string = PROJECT_ROOT): Promise<void> {
  if (hasNextBuild(root)) return;
  process.stderr.write('observatory: building the dashboard (first start only, about a minute)…\n');
  const nextBin = createRequire(join(root, 'package.json')).resolve('next/dist/bin/next');
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, 'build'], {
      cwd: root,
      env: nextBuildEnv(),
      stdio: ['ignore', process.stderr, process.stderr],
    });
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0 || !hasNextBuild(root)) {
    throw new Error(`dashboard build failed (next build exited with ${code})`);
  }
  process.stderr.write('observatory: dashboard built\n');
}
