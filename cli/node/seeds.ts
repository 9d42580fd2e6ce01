/**
 * Keeps a node connected to its `--seeds` until it closes: tries each seed at once, retries with
 * capped exponential backoff while it does not answer, and tries again whenever a link goes down
 * (so a peer that was stopped or restarted is rejoined). A stopgap until the discovery module's
 * static strategy replaces it. A seed counts as linked when a connected peer advertised exactly
 * that `host:port`; a seed written differently (`localhost:…`) is re-dialled with backoff.
 */
import type { ClusterNode } from '../../cluster/api.ts';

export const SEED_RETRY_INITIAL_MS = 50;
export const SEED_RETRY_MAX_MS = 2_000;

export interface SeedLoopOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
  readonly onError?: (seed: string, error: unknown) => void;
}

export interface SeedLoop {
  stop(): void;
}

type SeedNode = Pick<ClusterNode, 'connect' | 'monitorNodes' | 'address' | 'nodes' | 'addressOf'>;

/** Starts one retry loop per seed; `stop()` ends them all and aborts connects in flight. */
export function keepSeedsConnected(
  node: SeedNode,
  seeds: readonly string[],
  options: SeedLoopOptions = {},
): SeedLoop {
  const initialMs = options.initialMs ?? SEED_RETRY_INITIAL_MS;
  const maxMs = options.maxMs ?? SEED_RETRY_MAX_MS;
  const abort = new AbortController();
  const self = `${node.address.host}:${node.address.port}`;
  const wakers = new Set<() => void>();
  const unsubscribe = node.monitorNodes((event) => {
    if (event.event !== 'nodedown') return;
    for (const wake of [...wakers]) wake();
  });

  // Resolves after `ms`, on a nodedown, or on stop — whichever comes first.
  const pause = (ms: number | undefined) =>
    new Promise<void>((resolve) => {
      const done = () => {
        wakers.delete(done);
        if (timer !== undefined) clearTimeout(timer);
        abort.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(done, ms);
      wakers.add(done);
      abort.signal.addEventListener('abort', done, { once: true });
    });

  // Dialing `host:port` of a peer that is already linked makes it refuse a duplicate, so look first.
  const linked = (seed: string) =>
    node.nodes({ hidden: true }).some((peer) => node.addressOf(peer) === seed);

  const maintain = async (seed: string) => {
    let delay = initialMs;
    while (!abort.signal.aborted) {
      let ok = linked(seed);
      if (!ok) {
        try {
          ok = await node.connect(seed, { signal: abort.signal });
        } catch (error) {
          if (!abort.signal.aborted) options.onError?.(seed, error);
        }
      }
      if (abort.signal.aborted) return;
      if (ok || linked(seed)) {
        delay = initialMs;
        await pause(undefined);
      } else {
        // Jitter only shortens the wait, so many nodes started together do not retry in step.
        await pause(Math.round(delay * (0.8 + 0.2 * Math.random())));
        delay = Math.min(maxMs, delay * 2);
      }
    }
  };

  for (const seed of seeds) {
    if (seed === self) continue;
    void maintain(seed);
  }
  return {
    stop() {
      abort.abort();
      unsubscribe();
    },
  };
}
