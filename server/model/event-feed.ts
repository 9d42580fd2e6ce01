/** Fan-out of timeline events to whoever listens (the `/ui` push, the store for server events). */
import type { ModelEvent, ServerEvent } from '../../protocol/model.ts';

export type EventListener = (events: readonly ModelEvent[]) => void;

export class EventFeed {
  private readonly listeners = new Set<EventListener>();

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(events: readonly ModelEvent[]): void {
    if (events.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(events);
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
