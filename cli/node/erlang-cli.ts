/**
 * The `--dist` switch of `observatory node` and `observatory remsh`, kept out of the commands'
 * own modules: `--dist erlang` hands the command to cli/node/erlang.ts (loaded only then).
 */
import type { Command } from 'commander';
import { CliOptionsError } from '../options.ts';

export { addErlangOptions } from './erlang-options.ts';

/**
 * Returns false for native distribution (the command goes on as before); for `--dist erlang`
 * runs the Erlang variant and returns true (remsh exits with its status).
 */
export async function runDistOption(
  commandName: 'node' | 'remsh',
  raw: Record<string, unknown>,
  command: Command,
  target?: string,
): Promise<boolean> {
  const dist = raw.dist;
  if (dist === undefined || dist === 'native') return false;
  if (dist !== 'erlang')
    throw new CliOptionsError(commandName, ["--dist: must be 'native' or 'erlang'"]);
  const erlang = await import('./erlang.ts');
  const env = {
    CLUSTER_COOKIE: process.env.CLUSTER_COOKIE,
    ERL_EPMD_PORT: process.env.ERL_EPMD_PORT,
    HOME: process.env.HOME,
    OBSERVATORY_AGENT_TOKEN: process.env.OBSERVATORY_AGENT_TOKEN,
  };
  if (commandName === 'node') {
    const options = erlang.parseErlangNodeOptions(
      raw,
      env,
      command.getOptionValueSource('port') === 'cli',
    );
    await erlang.runErlangNode(options);
    return true;
  }
  process.exit(await erlang.runErlangRemsh(target ?? '', raw, env));
}
