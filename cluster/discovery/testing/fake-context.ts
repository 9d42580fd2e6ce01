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
 * connection, and a successful connect marks the target connected until `drop` is called (which
 * tells `onLinkDown` listeners, as a node's nodedown does). `isConnectedCalls` counts the
 * connector's checks. With `linkDownEvents: false` the context has no `onLinkDown`, as a custom
 * context may not.
 */
export function fakeContext(
  selfAddress = '127.0.0.1:9000',
  clock = new FakeClock(1_700_000_000_000),
  { linkDownEvents = true }: { linkDownEvents?: boolean } = {},
) {
  const events: DiscoveryEvent[] = [];
  const logs: LogLine[] = [];
  const connected = new Set<string>();
  const reachable = new Set<string>();
  const attempts: string[] = [];
  const downListeners = new Set<() => void>();
  const checks = { isConnected: 0 };
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
    isConnected: (address) => {
      checks.isConnected++;
      return connected.has(address);
    },
    ...(linkDownEvents && {
      onLinkDown: (listener: () => void) => {
        downListeners.add(listener);
        return () => downListeners.delete(listener);
      },
    }),
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    clock,
    report: (event) => events.push(event),
  };
  /** the link to `target` goes down */
  const drop = (target: string): void => {
    connected.delete(target);
    for (const listener of downListeners) listener();
  };
  return { ctx, clock, events, logs, connected, reachable, attempts, checks, drop, downListeners };
}
