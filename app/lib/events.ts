/** Timeline events: how each reads, its category, and the fault periods they imply. */
import type { ModelEvent, ModelFault } from '../../protocol/model.ts';
import { shortName } from './format.ts';

export type EventCategory =
  'membership' | 'fault' | 'ownership' | 'fencing' | 'drill' | 'control' | 'agent';

export const EVENT_CATEGORIES: readonly EventCategory[] = [
  'membership',
  'fault',
  'ownership',
  'fencing',
  'drill',
  'control',
  'agent',
];

/** Which timeline lane an event belongs in. */
export function categoryOf(e: ModelEvent): EventCategory {
  switch (e.event.type) {
    case 'nodeup':
    case 'nodedown':
      return 'membership';
    case 'fault':
    case 'command':
      return 'fault';
    case 'lease':
    case 'ownership':
      return 'ownership';
    case 'fencing':
      return 'fencing';
    case 'drill':
      return 'drill';
    case 'control':
      return 'control';
    case 'agent':
      return 'agent';
  }
}

const owner = (n: string | null) => (n === null ? 'nobody' : shortName(n));

/** One line describing an event, from the point of view of the node that reported it. */
export function describeEvent(e: ModelEvent): string {
  const by = e.node === '' ? '' : `${shortName(e.node)}: `;
  const ev = e.event;
  switch (ev.type) {
    case 'nodeup':
      return `${by}nodeup ${shortName(ev.node)}${ev.hidden ? ' (hidden)' : ''}`;
    case 'nodedown':
      return `${by}nodedown ${shortName(ev.node)} (${ev.reason})`;
    case 'fault':
      return `${by}${ev.kind} ${ev.action} (${ev.reason})${ev.peers.length > 0 ? ` — ${ev.peers.map(shortName).join(', ')}` : ''}`;
    case 'lease':
      return `${by}lease ${ev.action} shard ${ev.shard} epoch ${ev.epoch}`;
    case 'fencing':
      return `${by}fencing rejected a write to shard ${ev.shard} (token ${ev.epoch}, current ${ev.currentEpoch})`;
    case 'ownership':
      return `${by}shard ${ev.shard}: ${owner(ev.from)} → ${owner(ev.to)} (epoch ${ev.epoch})`;
    case 'command':
      return `${by}command ${ev.kind} ${ev.ok ? 'ok' : 'failed'}${ev.detail ? `: ${ev.detail}` : ''}`;
    case 'control':
      return `control ${ev.action} ${ev.ok ? 'done' : 'refused'}${ev.detail ? `: ${ev.detail}` : ''}`;
    case 'agent':
      return `${by}agent ${ev.action}${ev.reason ? ` (${ev.reason})` : ''}`;
    case 'drill':
      return `drill ${ev.action}${ev.detail ? `: ${ev.detail}` : ''}`;
  }
}

/** A span of time during which a fault was in force, for shading time charts. */
export interface FaultPeriod {
  readonly key: string;
  readonly from: number;
  /** end, or `now` while still in force */
  readonly to: number;
  readonly label: string;
  readonly ongoing: boolean;
}

/**
 * Fault periods from the timeline and the model's active faults: a fault (by command id) spans
 * its first `applied` to its last `reverted` report; a node kill spans from the kill control to
 * the node's restart. Periods are sorted by start.
 */
export function faultPeriods<F extends Pick<ModelFault, 'id' | 'kind' | 'appliedAt'>>(
  events: readonly ModelEvent[],
  active: readonly F[],
  now: number,
): FaultPeriod[] {
  const faults = new Map<string, { from: number; to: number | null; label: string }>();
  const activeIds = new Set(active.map((f) => f.id));
  for (const f of active) {
    const cur = faults.get(f.id);
    if (cur === undefined) faults.set(f.id, { from: f.appliedAt, to: null, label: f.kind });
    else cur.from = Math.min(cur.from, f.appliedAt);
  }
  const kills: FaultPeriod[] = [];
  const openKills = new Map<string, number>();
  for (const e of [...events].sort((x, y) => x.at - y.at)) {
    const ev = e.event;
    if (ev.type === 'fault') {
      const cur = faults.get(ev.id) ?? { from: ev.at, to: null, label: ev.kind };
      cur.from = Math.min(cur.from, ev.at);
      if (ev.action === 'reverted' && !activeIds.has(ev.id)) cur.to = Math.max(cur.to ?? 0, ev.at);
      faults.set(ev.id, cur);
    } else if (ev.type === 'control' && ev.ok && e.node !== '') {
      if (ev.action === 'kill' && !openKills.has(e.node)) openKills.set(e.node, ev.at);
      if (ev.action === 'restart') {
        const from = openKills.get(e.node);
        if (from !== undefined) {
          kills.push({
            key: `kill:${e.node}:${from}`,
            from,
            to: ev.at,
            label: `kill ${shortName(e.node)}`,
            ongoing: false,
          });
          openKills.delete(e.node);
        }
      }
    }
  }
  for (const [node, from] of openKills) {
    kills.push({
      key: `kill:${node}:${from}`,
      from,
      to: now,
      label: `kill ${shortName(node)}`,
      ongoing: true,
    });
  }
  const periods: FaultPeriod[] = [...faults].map(([id, f]) => ({
    key: id,
    from: f.from,
    to: f.to ?? now,
    label: f.label,
    ongoing: f.to === null,
  }));
  return [...periods, ...kills].sort((a, b) => a.from - b.from);
}

/** Merges two event lists by (at, id), dropping exact repeats (same id, or same content when unsaved). */
export function mergeEvents(
  base: readonly ModelEvent[],
  more: readonly ModelEvent[],
  limit: number,
): ModelEvent[] {
  const seen = new Set<string>();
  const out: ModelEvent[] = [];
  for (const e of [...base, ...more].sort((x, y) => x.at - y.at || x.id - y.id)) {
    const key = eventKey(e);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out.length > limit ? out.slice(out.length - limit) : out;
}

// A live push has id 0 and the same event comes back from the store with an id: compare content.
// Lists are merged again on every push; each event object's key is computed once.
const eventKeys = new WeakMap<ModelEvent, string>();
/** A key naming an event by its content (a live push and its stored copy share it). */
export const eventKey = (e: ModelEvent): string => {
  let key = eventKeys.get(e);
  if (key === undefined) {
    key = `${e.at}|${e.node}|${JSON.stringify(e.event)}`;
    eventKeys.set(e, key);
  }
  return key;
};

/** One mark on the timeline: the events of one lane within one slice of the time axis. */
export interface TimelineDot {
  /** stable while the range slides: lane and absolute slice */
  readonly key: string;
  readonly category: EventCategory;
  /** the slice's middle, ms since epoch */
  readonly at: number;
  readonly count: number;
  /** the first events of the slice, described, for the tooltip */
  readonly title: string;
}

const DOT_TITLE_LINES = 3;

/**
 * The timeline's marks: events grouped per lane into `slices` equal slices of `[from, to]`, so
 * a kill reported by 31 peers at once is one mark ("31 events"), not 31 circles on top of each
 * other; the SVG keeps a few hundred elements at most however many events the range holds.
 * Slices are aligned to multiples of their length, so marks keep their keys as the range slides.
 */
export function timelineDots(
  events: readonly ModelEvent[],
  from: number,
  to: number,
  slices: number,
  describe: (e: ModelEvent) => string = describeEvent,
): TimelineDot[] {
  const sliceMs = Math.max(1, Math.ceil((to - from) / Math.max(1, slices)));
  const groups = new Map<string, { category: EventCategory; slice: number; list: ModelEvent[] }>();
  for (const e of events) {
    if (e.at < from || e.at > to) continue;
    const category = categoryOf(e);
    const slice = Math.floor(e.at / sliceMs);
    const key = `${category}:${slice}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { category, slice, list: [e] });
    else group.list.push(e);
  }
  return [...groups].map(([key, g]) => {
    const lines = g.list.slice(0, DOT_TITLE_LINES).map(describe);
    if (g.list.length > DOT_TITLE_LINES) lines.push(`… ${g.list.length - DOT_TITLE_LINES} more`);
    return {
      key,
      category: g.category,
      at: Math.min(to, Math.max(from, g.slice * sliceMs + sliceMs / 2)),
      count: g.list.length,
      title: lines.join('\n'),
    };
  });
}
