import { InvalidArgumentError } from 'commander';
import type { z } from 'zod';

/** Raised for bad command-line values; the message lists every problem, one per line. */
export class CliOptionsError extends Error {
  readonly code = 'bad_cli_option';
  constructor(
    command: string,
    readonly issues: readonly string[],
  ) {
    super(`${command}: invalid options:\n  ${issues.join('\n  ')}`);
    this.name = 'CliOptionsError';
  }
}

/** Commander parser for a TCP port; 0 means "any free port". */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new InvalidArgumentError('must be an integer from 0 to 65535');
  }
  return port;
}

/** Commander parser for a count that may be zero. */
export function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 1_000)
    throw new InvalidArgumentError('must be an integer from 0 to 1000');
  return n;
}

/** Commander parser for a count of at least one. */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** Turns zod issues into "--option: message" lines. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const key = issue.path[0];
    return key === undefined ? issue.message : `--${String(key)}: ${issue.message}`;
  });
}

/** "--shardCount: …" → "--shard-count: …", as the option is spelled on the command line. */
export function kebabIssues(lines: readonly string[]): string[] {
  return lines.map((l) =>
    l.replace(
      /^--([A-Za-z]+)/,
      (_, key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
    ),
  );
}
