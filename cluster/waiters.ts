import type { Clock, NodeName } from './api.ts';

/**
 * Callers waiting for a link to a peer to come up (a `connect()` that lost a simultaneous-connect
 * race, or found a handshake already in progress): each waits at most `timeoutMs`.
 */
export class UpWaiters {
  private readonly waiting = new Map<NodeName, Set<(ok: boolean) => void>>();

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly isUp: (peer: NodeName) => boolean,
  ) {}

  wait(peer: NodeName): Promise<boolean> {
    if (this.isUp(peer)) return Promise.resolve(true);
    return new Promise((resolve) => {
      let set = this.waiting.get(peer);
      if (set === undefined) this.waiting.set(peer, (set = new Set()));
      const done = (ok: boolean): void => {
        this.clock.clearTimeout(timer);
        set.delete(done);
        resolve(ok);
      };
      const timer = this.clock.setTimeout(() => done(this.isUp(peer)), this.timeoutMs);
      set.add(done);
    });
  }

  wake(peer: NodeName, ok: boolean): void {
    const set = this.waiting.get(peer);
    if (set === undefined) return;
    this.waiting.delete(peer);
    for (const f of set) f(ok);
  }
}
