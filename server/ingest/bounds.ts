/**
 * Bounds on what the server keeps per node, so a credential holder that invents boot ids (or an
 * operator with thousands of node names) cannot grow server memory without limit. Past a bound
 * the stalest entry is evicted and a warning is logged; nothing is refused.
 */

/** Node names the server keeps state for (live model, ingest cursors, urgent dedupe). */
export const MAX_TRACKED_NODES = 1_024;
/** Boot ids per node whose highest accepted seq is remembered (the newest ones). */
export const MAX_BOOTS_PER_NODE = 4;

export interface BoundedSeqsOptions {
  readonly maxNodes?: number;
  readonly maxBootsPerNode?: number;
  readonly warn?: (line: string) => void;
}

/**
 * Highest accepted seq per `node\nbootId` key (ingest's dedupe cursor), bounded both in boot ids
 * per node and in nodes. Evicting a cursor is safe: the store's own seq is read again at the
 * next connection of that boot.
 */
export class BoundedSeqs {
  /** node → (bootId → seq), both in least recently written order */
  private readonly byNode = new Map<string, Map<string, number>>();
  private readonly maxNodes: number;
  private readonly maxBoots: number;

  constructor(private readonly options: BoundedSeqsOptions = {}) {
    this.maxNodes = options.maxNodes ?? MAX_TRACKED_NODES;
    this.maxBoots = options.maxBootsPerNode ?? MAX_BOOTS_PER_NODE;
  }

  get(key: string): number | undefined {
    const [node, bootId] = split(key);
    return this.byNode.get(node)?.get(bootId);
  }

  set(key: string, seq: number): void {
    const [node, bootId] = split(key);
    let boots = this.byNode.get(node);
    if (boots === undefined) {
      if (this.byNode.size >= this.maxNodes) {
        const oldest = this.byNode.keys().next().value!;
        this.byNode.delete(oldest);
        this.options.warn?.(
          `ingest: tracking ${this.maxNodes} nodes, the most kept; forgot the cursors of ${oldest}`,
        );
      }
      boots = new Map();
    }
    // Re-inserted at the end: map order is least recently written first.
    this.byNode.delete(node);
    this.byNode.set(node, boots);
    boots.delete(bootId);
    boots.set(bootId, seq);
    if (boots.size > this.maxBoots) {
      const oldest = boots.keys().next().value!;
      boots.delete(oldest);
      this.options.warn?.(
        `ingest: ${node} used more than ${this.maxBoots} boot ids; forgot the cursor of boot ${oldest}`,
      );
    }
  }

  /** Number of (node, boot) cursors kept. */
  get size(): number {
    let n = 0;
    for (const boots of this.byNode.values()) n += boots.size;
    return n;
  }

  get nodes(): number {
    return this.byNode.size;
  }
}

function split(key: string): [string, string] {
  const i = key.indexOf('\n');
  return [key.slice(0, i), key.slice(i + 1)];
}
