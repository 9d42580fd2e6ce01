import type { Clock, Logger, NodeName, Payload } from '../api.ts';
import { silentLogger, systemClock } from '../clock.ts';
import { NotFullyConnectedError } from '../errors.ts';
import type { ServicePort } from './port.ts';
import { judgeClaim, mergeCommitted, type Registration } from './table.ts';

/** The registered name through which registry nodes talk to each other. */
export const REGISTRY_ENDPOINT = '$registry';
export const REGISTRY_CLAIM_HANDLER = 'registry.claim';
/** Answers the visible nodes the answering node is linked to (the full-mesh check). */
export const REGISTRY_LINKS_HANDLER = 'registry.links';
export const DEFAULT_REGISTER_TIMEOUT_MS = 5_000;

/** Told to the node whose registration lost a conflict after a partition healed. */
export interface NameConflictEvent {
  readonly event: 'name_conflict';
  readonly name: string;
  /** the node that keeps the name */
  readonly winner: NodeName;
  /** this node, whose registration was dropped */
  readonly loser: NodeName;
  readonly winnerAt: number;
  readonly loserAt: number;
}

export interface RegistryOptions {
  /** registration times; default the system clock */
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** how long register waits for agreement; default DEFAULT_REGISTER_TIMEOUT_MS */
  readonly timeoutMs?: number;
}

/** Messages between registry nodes (sent to REGISTRY_ENDPOINT on channel 'registry'). */
type Wire =
  | readonly ['commit', string, number]
  | readonly ['release', string]
  | readonly ['unreg', string]
  | readonly ['sync', readonly (readonly [string, number])[]];

/**
 * A global name registry over the connected nodes, in the manner of Erlang's `:global`: one
 * owner per name, agreed on by all connected nodes at registration time; names vanish with
 * their owner's node; after a partition heals, conflicts are resolved by `wins` (earlier
 * registration, then lower node name) and the loser is told through `onNameConflict`.
 */
export class GlobalRegistry {
  readonly #node: ServicePort;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #table = new Map<string, Registration>();
  readonly #conflictListeners = new Set<(e: NameConflictEvent) => void>();
  readonly #counters = { claims_sent: 0, claims_lost: 0, conflicts_lost: 0, conflicts_won: 0 };
  #offMembership: () => void = () => undefined;

  constructor(node: ServicePort, options: RegistryOptions = {}) {
    this.#node = node;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_REGISTER_TIMEOUT_MS;
  }

  /** Listen on the node; called once by `startRegistry`. */
  attach(): void {
    const node = this.#node;
    node.register(REGISTRY_ENDPOINT, (message, from) => this.#onMessage(message, from));
    node.handle(REGISTRY_CLAIM_HANDLER, (args, ctx) => this.#onClaim(args, ctx.from));
    node.handle(REGISTRY_LINKS_HANDLER, () => node.nodes());
    this.#offMembership = node.monitorNodes((e) => {
      if (e.hidden) return;
      if (e.event === 'nodeup') this.#sendSync(e.node);
      else this.#dropOwner(e.node);
    });
    for (const peer of node.nodes()) this.#sendSync(peer);
  }

  detach(): void {
    this.#offMembership();
    this.#node.unregister(REGISTRY_ENDPOINT);
  }

  /**
   * Register `name` to this node across all connected nodes. Resolves false when the name is
   * already taken (here or anywhere connected) or a concurrent claim won. On a node that does
   * not join the full mesh (`connectAll: false`), rejects with NotFullyConnectedError unless
   * every node it is linked to is linked to all the others: a name agreed on by part of a
   * cluster would not be global.
   */
  async register(name: string): Promise<boolean> {
    if (this.#table.has(name)) return false;
    if (this.#node.connectAll === false) await this.#checkFullMesh();
    const self = this.#node.name;
    const mine: Registration = { name, owner: self, at: this.#clock.now(), state: 'pending' };
    this.#table.set(name, mine);
    const peers = this.#node.nodes();
    let rejected = false;
    const accepted: NodeName[] = [];
    if (peers.length > 0) {
      this.#counters.claims_sent++;
      const { results } = await this.#node.multicall(
        peers,
        REGISTRY_CLAIM_HANDLER,
        [name, mine.at],
        {
          timeoutMs: this.#timeoutMs,
        },
      );
      for (const [peer, answer] of Object.entries(results)) {
        if (answer === true) accepted.push(peer);
        else rejected = true;
      }
      // Nodes that did not answer went down or are cut off: a heal will settle the name.
    }
    if (rejected || this.#table.get(name) !== mine) {
      this.#counters.claims_lost++;
      if (this.#table.get(name) === mine) this.#table.delete(name);
      for (const peer of accepted) this.#post(peer, ['release', name]);
      return false;
    }
    this.#table.set(name, { ...mine, state: 'committed' });
    for (const peer of this.#node.nodes()) this.#post(peer, ['commit', name, mine.at]);
    return true;
  }

  /** Throws NotFullyConnectedError unless this node and its links form a full mesh. */
  async #checkFullMesh(): Promise<void> {
    const self = this.#node.name;
    const peers = this.#node.nodes();
    const expected = [self, ...peers].sort().join(',');
    const { results, badNodes } = await this.#node.multicall(peers, REGISTRY_LINKS_HANDLER, null, {
      timeoutMs: this.#timeoutMs,
    });
    const apart: string[] = [...badNodes.map((n) => `${n} did not answer`)];
    for (const [peer, links] of Object.entries(results)) {
      const seen = Array.isArray(links) ? links.filter((l) => typeof l === 'string') : [];
      if ([peer, ...seen].sort().join(',') !== expected)
        apart.push(`${peer} is linked to ${seen.join(', ') || 'nothing else'}`);
    }
    if (apart.length > 0)
      throw new NotFullyConnectedError(
        `a global name needs every node linked to every other, and ${self} does not join the ` +
          `full mesh (connectAll: false): ${apart.join('; ')}`,
        { data: { apart } },
      );
  }

  /** Drop a name this node owns; false when it is not ours. */
  unregister(name: string): boolean {
    const current = this.#table.get(name);
    if (current?.owner !== this.#node.name || current.state !== 'committed') return false;
    this.#table.delete(name);
    for (const peer of this.#node.nodes()) this.#post(peer, ['unreg', name]);
    return true;
  }

  /** The node that owns `name`, from the local table (no network). */
  whereis(name: string): NodeName | undefined {
    const r = this.#table.get(name);
    return r !== undefined && r.state === 'committed' ? r.owner : undefined;
  }

  /** Registered names, sorted. */
  registered(): string[] {
    return this.entries().map((r) => r.name);
  }

  /** Committed registrations with owners and times, sorted by name. */
  entries(): Registration[] {
    return [...this.#table.values()]
      .filter((r) => r.state === 'committed')
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Be told when a registration of this node lost a conflict; returns an unsubscribe function. */
  onNameConflict(listener: (event: NameConflictEvent) => void): () => void {
    this.#conflictListeners.add(listener);
    return () => this.#conflictListeners.delete(listener);
  }

  stats(): Record<string, number> {
    return { ...this.#counters, names: this.entries().length };
  }

  #post(peer: NodeName, message: Wire): void {
    this.#node.send({ name: REGISTRY_ENDPOINT, node: peer }, message, {
      channel: 'registry',
    });
  }

  #sendSync(peer: NodeName): void {
    const self = this.#node.name;
    const own = [...this.#table.values()]
      .filter((r) => r.owner === self && r.state === 'committed')
      .map((r) => [r.name, r.at] as const);
    this.#post(peer, ['sync', own]);
  }

  #dropOwner(peer: NodeName): void {
    for (const [name, r] of this.#table) if (r.owner === peer) this.#table.delete(name);
  }

  #onClaim(args: Payload, from: NodeName): boolean {
    if (!Array.isArray(args) || typeof args[0] !== 'string' || typeof args[1] !== 'number')
      return false;
    const [name, at] = args as [string, number];
    const verdict = judgeClaim(this.#table.get(name), from);
    if (!verdict.accept) return false;
    // A displaced claim of our own notices in register() that its entry is gone.
    this.#table.set(name, { name, owner: from, at, state: 'pending' });
    return true;
  }

  #onMessage(message: Payload, from: NodeName): void {
    if (!Array.isArray(message)) return this.#malformed(from);
    const m = message as unknown as Wire;
    switch (m[0]) {
      case 'commit':
        if (typeof m[1] !== 'string' || typeof m[2] !== 'number') return this.#malformed(from);
        return this.#merge(m[1], from, m[2]);
      case 'release': {
        const r = this.#table.get(m[1]);
        if (r?.owner === from && r.state === 'pending') this.#table.delete(m[1]);
        return;
      }
      case 'unreg': {
        if (this.#table.get(m[1])?.owner === from) this.#table.delete(m[1]);
        return;
      }
      case 'sync': {
        if (!Array.isArray(m[1])) return this.#malformed(from);
        const names = new Set<string>();
        for (const entry of m[1]) {
          if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number')
            continue;
          names.add(entry[0]);
          this.#merge(entry[0], from, entry[1]);
        }
        // Whatever the owner no longer lists (unregistered while we were apart) is gone.
        for (const [name, r] of this.#table) {
          if (r.owner === from && r.state === 'committed' && !names.has(name))
            this.#table.delete(name);
        }
        return;
      }
      default:
        return this.#malformed(from);
    }
  }

  #merge(name: string, owner: NodeName, at: number): void {
    const current = this.#table.get(name);
    const outcome = mergeCommitted(current, { owner, at });
    if (outcome.kind === 'keep') {
      if (current?.owner === this.#node.name) this.#counters.conflicts_won++;
      return;
    }
    this.#table.set(name, { name, owner, at, state: 'committed' });
    if (outcome.kind === 'replace' && outcome.loser.owner === this.#node.name) {
      if (outcome.loser.state === 'pending') return; // a claim in progress: register() returns false
      this.#counters.conflicts_lost++;
      const event: NameConflictEvent = {
        event: 'name_conflict',
        name,
        winner: owner,
        loser: this.#node.name,
        winnerAt: at,
        loserAt: outcome.loser.at,
      };
      this.#logger.warn('registry: name lost to a conflicting registration', { ...event });
      for (const listener of [...this.#conflictListeners]) {
        try {
          listener(event);
        } catch (err) {
          this.#logger.warn('registry: name_conflict listener threw', { error: String(err) });
        }
      }
    }
  }

  #malformed(from: NodeName): void {
    this.#logger.warn('registry: malformed message ignored', { from });
  }
}
