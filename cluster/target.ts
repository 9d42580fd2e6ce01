import type { NodeName } from './api.ts';
import { BadArgumentError } from './errors.ts';

export interface Target {
  /** full node name when the target named it (`name@host:port`) */
  readonly name?: NodeName;
  readonly host: string;
  readonly port: number;
}

/** Parses `name@host:port` or `host:port`. */
export function parseTarget(target: string): Target {
  const colon = target.lastIndexOf(':');
  const port = Number(target.slice(colon + 1));
  if (colon < 1 || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new BadArgumentError(
      `bad target ${JSON.stringify(target)}: expected name@host:port or host:port`,
    );
  const left = target.slice(0, colon);
  const at = left.lastIndexOf('@');
  if (at < 0) return { host: left, port };
  const host = left.slice(at + 1);
  if (at === 0 || host.length === 0)
    throw new BadArgumentError(`bad target ${JSON.stringify(target)}`);
  return { name: left, host, port };
}
