/**
 * How far the lab's mesh has formed, from the membership lines each node prints on stdout
 * (`--events json`): which peers every node sees up. Pure: fed lines, asked for counts.
 */

interface EventLine {
  event?: unknown;
  node?: unknown;
  hidden?: unknown;
}

export interface MeshCounts {
  /** nodes that printed their `listening` line */
  readonly listening: number;
  /** nodes that see every other lab node up */
  readonly meshed: number;
  /** links seen up from both ends */
  readonly links: number;
  readonly total: number;
}

export class MeshProgress {
  private readonly peers = new Map<string, Set<string>>();
  private readonly listening = new Set<string>();

  constructor(private readonly names: readonly string[]) {
    for (const n of names) this.peers.set(n, new Set());
  }

  /** Takes one stdout line of node `name`; true when it changed the counts. */
  line(name: string, line: string): boolean {
    const seen = this.peers.get(name);
    if (seen === undefined || !line.startsWith('{')) return false;
    let event: EventLine;
    try {
      event = JSON.parse(line) as EventLine;
    } catch {
      return false;
    }
    if (event.event === 'listening') {
      this.listening.add(name);
      return true;
    }
    if (event.event === 'stopped') {
      this.listening.delete(name);
      seen.clear();
      return true;
    }
    if (typeof event.node !== 'string' || event.hidden === true) return false;
    if (!this.peers.has(event.node)) return false;
    if (event.event === 'nodeup') seen.add(event.node);
    else if (event.event === 'nodedown') seen.delete(event.node);
    else return false;
    return true;
  }

  /** The node exited: it sees nobody until it prints again. */
  exited(name: string): void {
    this.listening.delete(name);
    this.peers.get(name)?.clear();
  }

  counts(): MeshCounts {
    const total = this.names.length;
    let meshed = 0;
    let ends = 0;
    for (const [name, seen] of this.peers) {
      if (this.listening.has(name) && seen.size === total - 1) meshed++;
      for (const peer of seen) if (this.peers.get(peer)?.has(name) === true) ends++;
    }
    return { listening: this.listening.size, meshed, links: ends / 2, total };
  }

  /** Pairs not seen up from both ends (`a–b`), at most `limit`. */
  missing(limit: number): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.names.length && out.length < limit; i++) {
      const a = this.names[i]!;
      for (let j = i + 1; j < this.names.length && out.length < limit; j++) {
        const b = this.names[j]!;
        if (this.peers.get(a)?.has(b) !== true || this.peers.get(b)?.has(a) !== true) {
          out.push(`${a}–${b}`);
        }
      }
    }
    return out;
  }

  /** Every node listening and seeing every other. */
  complete(): boolean {
    const c = this.counts();
    return c.meshed === c.total;
  }
}
