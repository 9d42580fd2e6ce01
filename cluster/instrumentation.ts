import type {
  Channel,
  FrameListener,
  Instrumentation,
  LinkStateEvent,
  Logger,
  NodeName,
  RpcCallEvent,
} from './api.ts';

/**
 * Listener sets for the agent's hooks. Emitters check `hasX` before building an event, so an
 * unobserved node pays one boolean read per frame. Frame listeners are kept in an array that is
 * replaced on change (never mutated while an emit walks it) and called with positional arguments:
 * the per-frame path allocates nothing.
 */
export class Hooks implements Instrumentation {
  private frame: readonly FrameListener[] = [];
  private readonly link = new Set<(e: LinkStateEvent) => void>();
  private readonly rpc = new Set<(e: RpcCallEvent) => void>();
  hasFrame = false;
  private onlyFrame: FrameListener | null = null;
  hasLink = false;
  hasRpc = false;

  constructor(private readonly logger: Logger) {}

  onFrame(listener: FrameListener): () => void {
    this.frame = [...this.frame, listener];
    this.refresh();
    return () => {
      this.frame = this.frame.filter((l) => l !== listener);
      this.refresh();
    };
  }
  onLinkState(listener: (event: LinkStateEvent) => void): () => void {
    return this.add(this.link, listener);
  }
  onRpc(listener: (event: RpcCallEvent) => void): () => void {
    return this.add(this.rpc, listener);
  }

  emitFrame(peer: NodeName, channel: Channel, direction: 'in' | 'out', bytes: number): void {
    const only = this.onlyFrame;
    if (only !== null) {
      try {
        only(peer, channel, direction, bytes);
      } catch (err) {
        this.logger.error('instrumentation listener threw', { error: String(err) });
      }
      return;
    }
    const listeners = this.frame;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i]!(peer, channel, direction, bytes);
      } catch (err) {
        this.logger.error('instrumentation listener threw', { error: String(err) });
      }
    }
  }
  emitLink(e: LinkStateEvent): void {
    this.emit(this.link, e);
  }
  emitRpc(e: RpcCallEvent): void {
    this.emit(this.rpc, e);
  }

  clear(): void {
    this.frame = [];
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
    this.hasFrame = this.frame.length > 0;
    this.onlyFrame = this.frame.length === 1 ? this.frame[0]! : null;
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
