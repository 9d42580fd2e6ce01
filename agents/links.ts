import type { LinkStateEvent, NodeName } from '../cluster/api.ts';
import type { LinkRow } from '../protocol/telemetry.ts';
import { MAX_LINKS } from '../protocol/telemetry.ts';
import { DEFAULT_DOWN_LINK_RETENTION_MS } from './defaults.ts';

/**
 * The state of every link this node has, from `onLinkState`. Down links stay listed for a while
 * so the dashboard can draw them, then are forgotten so the table stays bounded.
 */
export class LinkTable {
  private readonly links = new Map<NodeName, LinkRow>();

  constructor(private readonly downRetentionMs = DEFAULT_DOWN_LINK_RETENTION_MS) {}

  /** Links already up when the agent attached, with the attach time as `since`. */
  seed(peers: readonly { peer: NodeName; hidden: boolean }[], at: number): void {
    for (const { peer, hidden } of peers) {
      if (!this.links.has(peer)) this.links.set(peer, { peer, state: 'up', hidden, since: at });
    }
  }

  readonly record = (event: LinkStateEvent): void => {
    const current = this.links.get(event.peer);
    if (current !== undefined && current.state === event.state) return;
    const row: LinkRow = {
      peer: event.peer,
      state: event.state,
      hidden: event.hidden,
      since: event.at,
    };
    if (event.reason !== undefined) row.reason = event.reason;
    // Re-insert so iteration order is least recently changed first (used when trimming).
    this.links.delete(event.peer);
    this.links.set(event.peer, row);
  };

  /** Current rows; forgets down links older than the retention and trims to MAX_LINKS. */
  snapshot(now: number): LinkRow[] {
    for (const [peer, row] of this.links) {
      if (row.state === 'down' && now - row.since > this.downRetentionMs) this.links.delete(peer);
    }
    let excess = this.links.size - MAX_LINKS;
    if (excess > 0) {
      for (const [peer, row] of this.links) {
        if (excess <= 0) break;
        if (row.state !== 'up') {
          this.links.delete(peer);
          excess--;
        }
      }
    }
    return [...this.links.values()].slice(0, MAX_LINKS).map((r) => ({ ...r }));
  }
}
