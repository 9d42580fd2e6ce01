/** Exit status of a subcommand whose capability has not been built yet. */
export const EXIT_NOT_AVAILABLE = 2;

/** Reports that a subcommand exists in the public surface but is not implemented yet. */
export function notYetAvailable(command: string): never {
  process.stderr.write(`observatory ${command}: not yet available\n`);
  process.exit(EXIT_NOT_AVAILABLE);
}
