/** Finding `erl` and `erlc`, and compiling the demo application into a temporary directory. */
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { PROJECT_ROOT } from '../../paths.ts';
import { ERL_NOT_FOUND_MESSAGE } from '../constants.ts';
import { DemoCompileError, ErlNotFoundError } from '../errors.ts';

/** The demo application's sources, kept in the repository. */
export const DEMO_SOURCES = [join(PROJECT_ROOT, 'server', 'beam', 'demo', 'obs_demo.erl')];

/** The absolute path of `program` on `path` (a PATH string), or undefined. */
export function findExecutable(program: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface ErlTools {
  readonly erl: string;
  readonly erlc: string;
}

/**
 * Locates `erl` and `erlc` on `path`.
 * @throws ErlNotFoundError with the one line the CLI prints
 */
export function findErlTools(path: string): ErlTools {
  const erl = findExecutable('erl', path);
  const erlc = findExecutable('erlc', path);
  if (erl === undefined || erlc === undefined) throw new ErlNotFoundError(ERL_NOT_FOUND_MESSAGE);
  return { erl, erlc };
}

/**
 * Compiles the demo application with `erlc` into a new temporary directory and returns it (the
 * caller removes it).
 * @throws DemoCompileError
 */
export function compileDemo(erlc: string, sources = DEMO_SOURCES): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'observatory-beam-demo-'));
  return new Promise((resolve, reject) => {
    execFile(erlc, ['-o', out, ...sources], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error !== null) reject(new DemoCompileError(`${stdout}${stderr}`, { cause: error }));
      else resolve(out);
    });
  });
}
