/**
 * Entry of the esbuild bundle (`npm run build:cli` → dist/observatory-node.mjs) that runs
 * `observatory node`, `observatory remsh` and the drills' `observatory drill-client` without the
 * tsx loader, which roughly halves a node's idle RSS and its start-up time. Same program and
 * behaviour as `cli/main.ts` for these commands; it imports no other command, so the bundle holds
 * none of the server.
 */
import { drillClientCommand } from './commands/drill-client.ts';
import { nodeCommand } from './commands/node.ts';
import { remshCommand } from './commands/remsh.ts';
import { baseProgram, runProgram } from './run-program.ts';

/** Runs `observatory node|remsh|drill-client …` with `argv` as given by `process.argv`. */
export async function main(argv: readonly string[]): Promise<void> {
  await runProgram(
    baseProgram()
      .addCommand(nodeCommand())
      .addCommand(remshCommand())
      .addCommand(drillClientCommand(), { hidden: true }),
    argv,
  );
}
