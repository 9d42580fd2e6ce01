import type { NodeEvent } from '../protocol/telemetry.ts';
import { MAX_EVENTS_PER_SNAPSHOT } from '../protocol/telemetry.ts';

/** Events of the current interval, bounded; what does not fit is counted, not kept. */
export class EventLog {
  private events: NodeEvent[] = [];
  private dropped = 0;

  constructor(private readonly limit = MAX_EVENTS_PER_SNAPSHOT) {}

  push(event: NodeEvent): void {
    if (this.events.length >= this.limit) {
      this.dropped++;
      return;
    }
    this.events.push(event);
  }

  flush(): { events: NodeEvent[]; droppedEvents: number } {
    const out = { events: this.events, droppedEvents: this.dropped };
    this.events = [];
    this.dropped = 0;
    return out;
  }
}
