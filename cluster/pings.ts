import type { CallOptions, Clock, NodeName } from './api.ts';
import { DEFAULT_CALL_TIMEOUT_MS } from './constants.ts';

/** Outstanding `ping()`s: each ends with pong, or pang on timeout, abort or link loss. */
export class Pings {
  private readonly pending = new Map<
    number,
    { peer: NodeName; finish: (r: 'pong' | 'pang') => void }
  >();
  private nextId = 1;

  constructor(private readonly clock: Clock) {}

  /** Starts a ping; `send(id)` queues the PING frame and returns false when not linked. */
  start(
    peer: NodeName,
    send: (id: number) => boolean,
    options?: CallOptions,
  ): Promise<'pong' | 'pang'> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(
        () => finish('pang'),
        options?.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
      );
      const onAbort = (): void => finish('pang');
      options?.signal?.addEventListener('abort', onAbort, { once: true });
      const finish = (r: 'pong' | 'pang'): void => {
        if (!this.pending.delete(id)) return;
        this.clock.clearTimeout(timer);
        options?.signal?.removeEventListener('abort', onAbort);
        resolve(r);
      };
      this.pending.set(id, { peer, finish });
      if (!send(id)) finish('pang');
    });
  }

  pong(id: number): void {
    this.pending.get(id)?.finish('pong');
  }

  /** pang for every ping to `peer`, or to everyone */
  fail(peer?: NodeName): void {
    for (const p of [...this.pending.values()])
      if (peer === undefined || p.peer === peer) p.finish('pang');
  }
}
