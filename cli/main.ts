/**
 * The `observatory` command line. Each subcommand lives in its own module under `commands/` and
 * loads its heavy dependencies (Next.js, the store, the runtime) only when it runs, so that
 * `--help` and `node` stay fast.
 */
import type { Command } from 'commander';
import { agentCredentialCommand } from './commands/agent-credential.ts';
import { checkCommand } from './commands/check.ts';
import { drillCommand } from './commands/drill.ts';
import { drillClientCommand } from './commands/drill-client.ts';
import { nodeCommand } from './commands/node.ts';
import { remshCommand } from './commands/remsh.ts';
import { serverCommand } from './commands/server.ts';
import { startCommand } from './commands/start.ts';
import { baseProgram, runProgram } from './run-program.ts';

/** Builds the program without running it, so tests can inspect and drive it. */
export function buildProgram(): Command {
  return baseProgram()
    .description(
      'Cluster Observatory: a TypeScript cluster runtime and a dashboard to watch and break it',
    )
    .addCommand(startCommand())
    .addCommand(serverCommand())
    .addCommand(nodeCommand())
    .addCommand(remshCommand())
    .addCommand(drillCommand())
    .addCommand(agentCredentialCommand())
    .addCommand(checkCommand())
    .addCommand(drillClientCommand(), { hidden: true });
}

/** Runs the CLI with `argv` as given by `process.argv`. */
export async function main(argv: readonly string[]): Promise<void> {
  await runProgram(buildProgram(), argv);
}
