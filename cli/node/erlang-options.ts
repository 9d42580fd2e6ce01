/** The options `--dist erlang` adds to `observatory node` and `observatory remsh`. */
import type { Command } from 'commander';

/** Adds `--dist` and (unless another module already did) `--cookie-file` to a command. */
export function addErlangOptions(command: Command): Command {
  command.option(
    '--dist <kind>',
    "distribution protocol: 'native' (default) or 'erlang' (real Erlang distribution through EPMD)",
  );
  if (!command.options.some((o) => o.long === '--cookie-file'))
    command.option(
      '--cookie-file <path>',
      'read the cookie from this file (owner-only permissions)',
    );
  return command;
}
