/**
 * Entry of the esbuild bundle (`npm run build:cli` → dist/observatory-node.mjs) that runs
 * `observatory node` and `observatory remsh` without the tsx loader, which roughly halves a
 * node's idle RSS. Same commands and behaviour as through `cli/main.ts`.
 */
import { Command } from 'commander';
import { VERSION } from '../../server/version.ts';
import { nodeCommand } from '../commands/node.ts';
import { remshCommand } from '../commands/remsh.ts';
import { runProgram } from '../run-program.ts';

/** Runs `observatory node|remsh …` with `argv` as given by `process.argv`. */
export async function main(argv: readonly string[]): Promise<void> {
  const program = new Command('observatory')
    .version(VERSION)
    .showHelpAfterError()
    .addCommand(nodeCommand())
    .addCommand(remshCommand());
  await runProgram(program, argv);
}
