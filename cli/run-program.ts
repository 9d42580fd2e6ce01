import { Command, CommanderError } from 'commander';
import { VERSION } from '../server/version.ts';
import { CliOptionsError } from './options.ts';

/** The `observatory` program with no commands yet: name, version, help on errors. */
export function baseProgram(): Command {
  return new Command('observatory').version(VERSION).showHelpAfterError();
}

/**
 * Runs `program` with `argv` as given by `process.argv`, for both entry points (`cli/main.ts` and
 * the bundle's `cli/bundle-entry.ts`). A failure prints one line and exits: commander's own
 * status for its parse errors, 2 for bad option values (a usage error, as the commands document),
 * 1 for anything else.
 */
export async function runProgram(program: Command, argv: readonly string[]): Promise<void> {
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    process.stderr.write(
      `observatory: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(error instanceof CliOptionsError ? 2 : 1);
  }
}
