import type { Destination, DownReason, MonitorRef, NodeName } from './api.ts';

/** How monitors reach peers; implemented by the node. */
export interface MonitorPort {
  readonly self: NodeName;
  isConnected(node: NodeName): boolean;
  isRegistered(name: string): boolean;
  sendMonitor(node: NodeName, ref: number, name: string): void;
  sendDemonitor(node: NodeName, ref: number): void;
  sendDown(node: NodeName, ref: number, reason: DownReason): void;
  warn(msg: string, data: Record<string, unknown>): void;
}

interface Mine {
  readonly target: Destination;
  readonly onDown: (reason: DownReason) => void;
}

/**
 * Monitors on registered names, local or remote, as `erlang:monitor(process, {Name, Node})`:
 * DOWN fires once, with `noproc` when the name is (or becomes) unregistered and `noconnection`
 * when the link to its node is (or goes) down.
 */
export class Monitors {
  private readonly mine = new Map<number, Mine>();
  /** who watches each of our names: key `${peer}\0${ref}` → ref (peer = self for local refs) */
  private readonly watchers = new Map<string, Map<string, { peer: NodeName; ref: number }>>();
  private nextRef = 1;

  constructor(private readonly port: MonitorPort) {}

  monitor(target: Destination, onDown: (reason: DownReason) => void): MonitorRef {
    const id = this.nextRef++;
    this.mine.set(id, { target, onDown });
    if (target.node === this.port.self) {
      if (!this.port.isRegistered(target.name)) queueMicrotask(() => this.fire(id, 'noproc'));
      else this.watch(target.name, this.port.self, id);
    } else if (!this.port.isConnected(target.node)) {
      queueMicrotask(() => this.fire(id, 'noconnection'));
    } else {
      this.port.sendMonitor(target.node, id, target.name);
    }
    return { id };
  }

  demonitor(ref: MonitorRef): void {
    const m = this.mine.get(ref.id);
    if (m === undefined) return;
    this.mine.delete(ref.id);
    if (m.target.node === this.port.self) this.unwatch(m.target.name, this.port.self, ref.id);
    else if (this.port.isConnected(m.target.node)) this.port.sendDemonitor(m.target.node, ref.id);
  }

  /** A peer monitors one of our names. */
  remoteMonitor(peer: NodeName, ref: number, name: string): void {
    if (!this.port.isRegistered(name)) this.port.sendDown(peer, ref, 'noproc');
    else this.watch(name, peer, ref);
  }

  remoteDemonitor(peer: NodeName, ref: number): void {
    for (const [name, set] of this.watchers) {
      if (set.delete(`${peer}\0${ref}`) && set.size === 0) this.watchers.delete(name);
    }
  }

  /** A DOWN for one of our monitors arrived from its node. */
  down(ref: number, reason: DownReason): void {
    this.fire(ref, reason);
  }

  /** One of our names was unregistered. */
  unregistered(name: string): void {
    const set = this.watchers.get(name);
    if (set === undefined) return;
    this.watchers.delete(name);
    for (const w of set.values()) {
      if (w.peer === this.port.self) this.fire(w.ref, 'noproc');
      else if (this.port.isConnected(w.peer)) this.port.sendDown(w.peer, w.ref, 'noproc');
    }
  }

  /** The link to `peer` went down: our monitors there fire, its monitors here are forgotten. */
  peerDown(peer: NodeName): void {
    for (const [id, m] of this.mine) if (m.target.node === peer) this.fire(id, 'noconnection');
    for (const [name, set] of this.watchers) {
      for (const [k, w] of set) if (w.peer === peer) set.delete(k);
      if (set.size === 0) this.watchers.delete(name);
    }
  }

  /** Node closing: every remote monitor fires noconnection, local ones are dropped. */
  closeAll(): void {
    for (const [id, m] of this.mine)
      if (m.target.node !== this.port.self) this.fire(id, 'noconnection');
    this.mine.clear();
    this.watchers.clear();
  }

  private watch(name: string, peer: NodeName, ref: number): void {
    let set = this.watchers.get(name);
    if (set === undefined)
      this.watchers.set(name, (set = new Map<string, { peer: NodeName; ref: number }>()));
    set.set(`${peer}\0${ref}`, { peer, ref });
  }

  private unwatch(name: string, peer: NodeName, ref: number): void {
    const set = this.watchers.get(name);
    if (set?.delete(`${peer}\0${ref}`) && set.size === 0) this.watchers.delete(name);
  }

  private fire(id: number, reason: DownReason): void {
    const m = this.mine.get(id);
    if (m === undefined) return;
    this.mine.delete(id);
    try {
      m.onDown(reason);
    } catch (err) {
      this.port.warn('monitor callback threw', { error: String(err) });
    }
  }
}
