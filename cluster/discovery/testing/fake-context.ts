import type { Logger } from '../../api.ts';
import { FakeClock } from '../../fake-clock.ts';
import type { DiscoveryContext, DiscoveryEvent } from '../types.ts';

export interface LogLine {
  level: keyof Logger;
  msg: string;
  data?: Record<string, unknown>;
}

/**
 * A discovery context over a fake network: `reachable` decides which targets accept a
 * connection, and a successful connect marks the target connected until `drop` is called.
 */
export function fakeContext(
  selfAddress = '127.0.0.1:9000',
  clock = new FakeClock(1_700_000_000_000),
) {
  const events: DiscoveryEvent[] = [];
  const logs: LogLine[] = [];
  const connected = new Set<string>();
  const reachable = new Set<string>();
  const attempts: string[] = [];
  const log =
    (level: keyof Logger) =>
    (msg: string, data?: Record<string, unknown>): void => {
      logs.push({ level, msg, ...(data ? { data } : {}) });
    };
  const ctx: DiscoveryContext = {
    self: { name: 'self@127.0.0.1', address: selfAddress },
    // as a node does: false after telling onFailure why
    connect(target, options) {
      attempts.push(target);
      if (reachable.has(target)) {
        connected.add(target);
        return Promise.resolve(true);
      }
      options?.onFailure?.(`connect ECONNREFUSED ${target}`);
      return Promise.resolve(false);
    },
    isConnected: (address) => connected.has(address),
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    clock,
    report: (event) => events.push(event),
  };
  return { ctx, clock, events, logs, connected, reachable, attempts };
}
