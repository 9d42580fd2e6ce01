import type { FrameEvent, Instrumentation, LinkStateEvent, Logger, RpcCallEvent } from './api.ts';

/**
 * Listener sets for the agent's hooks. Emitters check `hasX` before building an event object, so
 * an unobserved node pays one boolean read per frame.
 */
export class Hooks implements Instrumentation {
  private readonly frame = new Set<(e: FrameEvent) => void>();
  private readonly link = new Set<(e: LinkStateEvent) => void>();
  private readonly rpc = new Set<(e: RpcCallEvent) => void>();
  hasFrame = false;
  hasLink = false;
  hasRpc = false;

  constructor(private readonly logger: Logger) {}

  onFrame(listener: (event: FrameEvent) => void): () => void {
    return this.add(this.frame, listener);
  }
  onLinkState(listener: (event: LinkStateEvent) => void): () => void {
    return this.add(this.link, listener);
  }
  onRpc(listener: (event: RpcCallEvent) => void): () => void {
    return this.add(this.rpc, listener);
  }

  emitFrame(e: FrameEvent): void {
    this.emit(this.frame, e);
  }
  emitLink(e: LinkStateEvent): void {
    this.emit(this.link, e);
  }
  emitRpc(e: RpcCallEvent): void {
    this.emit(this.rpc, e);
  }

  clear(): void {
    this.frame.clear();
    this.link.clear();
    this.rpc.clear();
    this.refresh();
  }

  private add<T>(set: Set<(e: T) => void>, listener: (e: T) => void): () => void {
    set.add(listener);
    this.refresh();
    return () => {
      set.delete(listener);
      this.refresh();
    };
  }

  private refresh(): void {
    this.hasFrame = this.frame.size > 0;
    this.hasLink = this.link.size > 0;
    this.hasRpc = this.rpc.size > 0;
  }

  private emit<T>(set: Set<(e: T) => void>, e: T): void {
    for (const l of set) {
      try {
        l(e);
      } catch (err) {
        this.logger.error('instrumentation listener threw', { error: String(err) });
      }
    }
  }
}
