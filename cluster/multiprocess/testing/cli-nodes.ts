/**
 * Starting `observatory node` processes for tests, each on a free port (port 0, read back from
 * its `listening` line), with `--events json`.
 */
import { resolve } from 'node:path';
import { REPO_ROOT, spawnCli, spawnTsx, type ChildHandle } from './processes.ts';

export const TEST_COOKIE = 'multiprocess-test-cookie';
/** Generous: a tsx start on a loaded 2-core machine can take several seconds. */
export const START_TIMEOUT_MS = 30_000;

export interface StartedNode {
  readonly child: ChildHandle;
  /** `name@127.0.0.1` */
  readonly name: string;
  readonly port: number;
  /** `127.0.0.1:port`, usable as a seed */
  readonly address: string;
  /** `name@127.0.0.1:port`, usable as a remsh target */
  readonly target: string;
}

export interface CliNodeOptions {
  readonly seeds?: readonly StartedNode[];
  readonly hidden?: boolean;
  readonly ticktimeMs?: number;
  readonly cookie?: string;
  /** more `observatory node` arguments, e.g. `--discovery gossip …` */
  readonly args?: readonly string[];
}

async function started(child: ChildHandle): Promise<StartedNode> {
  const { value } = await child.stdout.event<{ node: string; port: number }>(
    'listening',
    {},
    START_TIMEOUT_MS,
  );
  return {
    child,
    name: value.node,
    port: value.port,
    address: `127.0.0.1:${value.port}`,
    target: `${value.node}:${value.port}`,
  };
}

export async function startCliNode(
  name: string,
  options: CliNodeOptions = {},
): Promise<StartedNode> {
  const args = ['node', '--name', name, '--host', '127.0.0.1', '--port', '0', '--events', 'json'];
  args.push('--cookie', options.cookie ?? TEST_COOKIE);
  if (options.seeds !== undefined && options.seeds.length > 0) {
    args.push('--seeds', options.seeds.map((s) => s.address).join(','));
  }
  if (options.hidden === true) args.push('--hidden');
  if (options.ticktimeMs !== undefined) args.push('--ticktime', String(options.ticktimeMs));
  if (options.args !== undefined) args.push(...options.args);
  return started(spawnCli(name, args));
}

/** The observer fixture: like a CLI node, plus `lastFrameAt` on each nodedown line. */
export async function startObserver(name: string, ticktimeMs: number): Promise<StartedNode> {
  const script = resolve(REPO_ROOT, 'cluster/multiprocess/fixtures/observer-node.ts');
  return started(spawnTsx(name, script, [name, TEST_COOKIE, String(ticktimeMs)]));
}

/** Runs `observatory remsh <target> --command <command>` to completion. */
export function remshArgs(target: string, command: string, cookie = TEST_COOKIE): string[] {
  return ['remsh', target, '--cookie', cookie, '--command', command, '--timeout', '10000'];
}
