import { describe, expect, it } from 'vitest';
import type { UrgentEvent } from '../../protocol/agent.ts';
import type { NodeEvent } from '../../protocol/telemetry.ts';
import { snapshot } from '../model/testing/fixtures.ts';
import { MAX_PENDING_URGENT, UrgentTracker } from './urgent.ts';

const down = (eid: number, peer = 'b'): NodeEvent => ({
  type: 'nodedown',
  at: 1_000 + eid,
  eid,
  node: peer,
  hidden: false,
  reason: 'connection_closed',
});
const urgent = (event: NodeEvent): UrgentEvent => ({ node: 'a', bootId: 'boot-a', event });

describe('ingest/urgent', () => {
  it('urgent — a repeat, or an event an applied snapshot already covers, is not new', () => {
    const t = new UrgentTracker();
    expect(t.accept(urgent(down(1)))).toBe(true);
    expect(t.accept(urgent(down(1)))).toBe(false);
    t.afterSnapshot(snapshot('a', 1, { events: [down(1)], eventsThrough: 3 }));
    expect(t.accept(urgent(down(3)))).toBe(false); // late: the snapshot holds it
    expect(t.accept(urgent(down(4)))).toBe(true);
    expect(t.accept(urgent({ ...down(5), eid: undefined }))).toBe(false);
  });

  it('urgent — the snapshot copy of a shown event is marked shown; unshown ones are not', () => {
    const t = new UrgentTracker();
    t.accept(urgent(down(2)));
    const { shown, replay } = t.afterSnapshot(
      snapshot('a', 1, { events: [down(1, 'c'), down(2)], eventsThrough: 2 }),
    );
    expect([...shown]).toEqual([2]);
    expect(replay).toEqual([]);
    // once covered, the next snapshot's events are all new
    expect([...t.afterSnapshot(snapshot('a', 2, { eventsThrough: 2 })).shown]).toEqual([]);
  });

  it('urgent — events newer than a snapshot are replayed on top of it, in order', () => {
    const t = new UrgentTracker();
    t.accept(urgent(down(1)));
    t.accept(urgent(down(2, 'c')));
    t.accept(urgent(down(3, 'd')));
    // built before eids 2 and 3 happened, applied after they were shown
    const first = t.afterSnapshot(snapshot('a', 1, { events: [down(1)], eventsThrough: 1 }));
    expect(first.replay.map((u) => u.event.eid)).toEqual([2, 3]);
    const second = t.afterSnapshot(
      snapshot('a', 2, { events: [down(2, 'c'), down(3, 'd')], eventsThrough: 3 }),
    );
    expect([...second.shown]).toEqual([2, 3]);
    expect(second.replay).toEqual([]);
  });

  it('urgent — without eventsThrough the largest eid in the snapshot bounds it', () => {
    const t = new UrgentTracker();
    t.accept(urgent(down(1)));
    t.accept(urgent(down(2)));
    const { replay } = t.afterSnapshot(snapshot('a', 1, { events: [down(1)] }));
    expect(replay.map((u) => u.event.eid)).toEqual([2]);
  });

  it('urgent — pending events are bounded', () => {
    const t = new UrgentTracker();
    for (let eid = 1; eid <= MAX_PENDING_URGENT + 10; eid++) t.accept(urgent(down(eid)));
    const { replay } = t.afterSnapshot(snapshot('a', 1, { eventsThrough: 0 }));
    expect(replay).toHaveLength(MAX_PENDING_URGENT);
    expect(replay[0]!.event.eid).toBe(11);
  });
});
