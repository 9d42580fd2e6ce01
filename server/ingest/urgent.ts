/**
 * Dedupe and ordering of urgent events (membership and faults sent ahead of the snapshot that
 * carries them). Pure and per (node, bootId): ingest asks `accept` whether an urgent event is new,
 * and after applying snapshots asks `afterSnapshot` which snapshot events were already shown and
 * which urgent events are newer than the snapshot (and must be applied again on top of it).
 */
import type { UrgentEvent } from '../../protocol/agent.ts';
import type { Snapshot } from '../../protocol/telemetry.ts';

/** Urgent events remembered per agent while waiting for their snapshot. */
export const MAX_PENDING_URGENT = 1_024;

export class UrgentTracker {
  /** eid → event, shown live and not yet covered by an applied snapshot */
  private readonly pending = new Map<number, UrgentEvent>();
  /** eids shown live that an applied snapshot covered; its copy is not shown again */
  private covered = 0;

  /** True when the event is new: not shown yet, and not older than the snapshots applied. */
  accept(event: UrgentEvent): boolean {
    const eid = event.event.eid;
    if (eid === undefined || eid <= this.covered || this.pending.has(eid)) return false;
    this.pending.set(eid, event);
    if (this.pending.size > MAX_PENDING_URGENT) {
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
    }
    return true;
  }

  /**
   * Call with each snapshot as it is applied, oldest first. `shown` holds the eids of its events
   * that were already pushed live; `replay` the urgent events newer than the snapshot's state.
   */
  afterSnapshot(s: Snapshot): { shown: ReadonlySet<number>; replay: UrgentEvent[] } {
    const shown = new Set<number>();
    for (const e of s.events) if (e.eid !== undefined && this.pending.has(e.eid)) shown.add(e.eid);
    // Agents that do not say what a snapshot covers: its largest eid is the best bound known.
    const through = s.eventsThrough ?? Math.max(this.covered, ...s.events.map((e) => e.eid ?? 0));
    for (const eid of this.pending.keys()) if (eid <= through) this.pending.delete(eid);
    this.covered = Math.max(this.covered, through);
    return { shown, replay: [...this.pending.values()] };
  }
}
