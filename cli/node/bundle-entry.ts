/**
 * Entry of the esbuild bundle (`npm run build:cli` → dist/observatory-node.mjs) that runs
 * `observatory node` and `observatory remsh` without the tsx loader, which roughly halves a
 * node's idle RSS. Same commands and behaviour as through `cli/main.ts`.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../../server/version.ts';
import { nodeCommand } from '../commands/node.ts';
import { remshCommand } from '../commands/remsh.ts';

/** Runs `observatory node|remsh …` with `argv` as given by `process.argv`. */
export async function main(argv: readonly string[]): Promise<void> {
  const program = new Command('observatory')
    .version(VERSION)
    .showHelpAfterError()
    .addCommand(nodeCommand())
    .addCommand(remshCommand());
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    process.stderr.write(
      `observatory: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
}
