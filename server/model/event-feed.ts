/** Fan-out of timeline events to whoever listens (the `/ui` push, the store for server events). */
import type { ModelEvent, ServerEvent } from '../../protocol/model.ts';

/**
 * Where events come from: this server (`local`: its agents, its control plane and drills), or
 * another observatory server on the same store (`peer`: shown live, but stored and forwarded by
 * the server that produced them, never again here).
 */
export type EventOrigin = 'local' | 'peer';

export type EventListener = (events: readonly ModelEvent[], origin: EventOrigin) => void;

export class EventFeed {
  private readonly listeners = new Set<EventListener>();

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(events: readonly ModelEvent[], origin: EventOrigin = 'local'): void {
    if (events.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(events, origin);
      } catch {
        // One failing listener must not keep events from the others.
      }
    }
  }

  /** Publishes one server-side event about `node` ('' for none). */
  server(node: string, event: ServerEvent): void {
    this.publish([{ id: 0, at: event.at, node, source: 'server', event }]);
  }
}
