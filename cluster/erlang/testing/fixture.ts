/** Test fixture: a TS node and a real erl node sharing a private EPMD port and a cookie. */
import type { Logger } from '../../api.ts';
import { startErlangNode, type ErlangNode, type ErlangNodeOptions } from '../index.ts';
import { ErlNode, cookieHome, freePort } from './erl-node.ts';

/** A logger that keeps what it is told, for assertions on logged refusals. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const rec =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
    };
  return { lines, debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
}

export interface Pair {
  readonly epmdPort: number;
  readonly ts: ErlangNode;
  readonly erl: ErlNode;
  readonly logger: ReturnType<typeof recordingLogger>;
  close(): Promise<void>;
}

/**
 * Starts `ts1@127.0.0.1` (which runs the embedded EPMD on a free port) and
 * `checker@127.0.0.1` (a real erl using it).
 */
export async function startPair(
  extra: Partial<ErlangNodeOptions> = {},
  erlTicktimeS = 4,
  cookie = 'interop-cookie',
): Promise<Pair> {
  const epmdPort = await freePort();
  const logger = recordingLogger();
  const ts = await startErlangNode({
    name: 'ts1@127.0.0.1',
    cookie,
    epmdPort,
    ticktimeMs: erlTicktimeS * 1000,
    logger,
    ...extra,
  });
  const erl = new ErlNode({
    name: 'checker@127.0.0.1',
    epmdPort,
    home: cookieHome(cookie),
    ticktimeS: erlTicktimeS,
  });
  await erl.ready();
  return {
    epmdPort,
    ts,
    erl,
    logger,
    close: async () => {
      await erl.stop();
      await ts.close();
    },
  };
}
