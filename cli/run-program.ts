import { CommanderError, type Command } from 'commander';
import { CliOptionsError } from './node/options.ts';

/**
 * Runs `program` with `argv` as given by `process.argv`, for both entry points (`cli/main.ts` and
 * the bundle's `cli/node/bundle-entry.ts`). A failure prints one line and exits: commander's own
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
