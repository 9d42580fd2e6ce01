/**
 * Entry of the esbuild bundle (`npm run build:cli` → dist/observatory-node.mjs) that runs
 * `observatory node` and `observatory remsh` without the tsx loader, which roughly halves a
 * node's idle RSS. Same program and behaviour as `cli/main.ts` for these two commands; it imports
 * no other command, so the bundle holds none of the server.
 */
import { nodeCommand } from './commands/node.ts';
import { remshCommand } from './commands/remsh.ts';
import { baseProgram, runProgram } from './run-program.ts';

/** Runs `observatory node|remsh …` with `argv` as given by `process.argv`. */
export async function main(argv: readonly string[]): Promise<void> {
  await runProgram(baseProgram().addCommand(nodeCommand()).addCommand(remshCommand()), argv);
}
