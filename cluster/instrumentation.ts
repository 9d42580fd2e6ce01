import type {
  Channel,
  FrameListener,
  FrameRunListener,
  Instrumentation,
  LinkStateEvent,
  Logger,
  NodeName,
  RpcCallEvent,
} from './api.ts';

/**
 * Listener sets for the agent's hooks. Emitters check `hasX` before building an event, so an
 * unobserved node pays one boolean read per frame. Frame listeners are kept in arrays that are
 * replaced on change (never mutated while an emit walks them) and called with positional
 * arguments: the per-frame path allocates nothing. For run listeners a frame equal to the one
 * before (peer, channel, direction, size) is a compare and an increment, no call.
 */
export class Hooks implements Instrumentation {
  private frame: readonly FrameListener[] = [];
  private runs: readonly FrameRunListener[] = [];
  private readonly link = new Set<(e: LinkStateEvent) => void>();
  private readonly rpc = new Set<(e: RpcCallEvent) => void>();
  hasFrame = false;
  hasLink = false;
  hasRpc = false;
  // the run in progress, delivered to `runs` when a different frame comes or on flushFrameRuns()
  private runPeer = '';
  private runChannel: Channel = 'send';
  private runDirection: 'in' | 'out' = 'in';
  private runBytes = -1;
  private runCount = 0;

  constructor(private readonly logger: Logger) {}

  onFrame(listener: FrameListener): () => void {
    this.frame = [...this.frame, listener];
    this.refresh();
    return () => {
      this.frame = this.frame.filter((l) => l !== listener);
      this.refresh();
    };
  }
  onFrameRuns(listener: FrameRunListener): () => void {
    this.flushFrameRuns();
    this.runs = [...this.runs, listener];
    this.refresh();
    return () => {
      this.flushFrameRuns();
      this.runs = this.runs.filter((l) => l !== listener);
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
    if (this.runs.length > 0) {
      if (
        bytes === this.runBytes &&
        peer === this.runPeer &&
        channel === this.runChannel &&
        direction === this.runDirection
      ) {
        this.runCount++;
      } else {
        this.flushFrameRuns();
        this.runPeer = peer;
        this.runChannel = channel;
        this.runDirection = direction;
        this.runBytes = bytes;
        this.runCount = 1;
      }
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

  flushFrameRuns(): void {
    const count = this.runCount;
    if (count === 0) return;
    this.runCount = 0;
    const listeners = this.runs;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i]!(this.runPeer, this.runChannel, this.runDirection, this.runBytes, count);
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
    this.runs = [];
    this.runCount = 0;
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
    this.hasFrame = this.frame.length > 0 || this.runs.length > 0;
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
