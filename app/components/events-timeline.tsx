'use client';
/**
 * Events on the shared time axis, one lane per category (membership, faults, ownership, fencing,
 * drills, controls), fault periods shaded behind them, and the newest events listed below.
 * Events that fall in the same lane and slice of the axis share one mark (a kill is reported by
 * every peer at once), so the drawing stays small however many events the range holds.
 */
import { memo, useMemo } from 'react';
import type { ModelEvent } from '../../protocol/model.ts';
import {
  categoryOf,
  describeEvent,
  EVENT_CATEGORIES,
  eventKey,
  timelineDots,
  type EventCategory,
  type FaultPeriod,
} from '../lib/events.ts';
import { clockTime } from '../lib/format.ts';
import { FAULT_FILL } from '../lib/chart.ts';

const WIDTH = 1000;
const LANE = 20;
const LEFT = 90;
const LISTED = 60;
/** One mark per lane per 4 px of axis at most. */
const SLICES = (WIDTH - LEFT - 10) / 4;

const LANE_COLORS: Readonly<Record<EventCategory, string>> = {
  membership: '#0969da',
  fault: '#cf222e',
  ownership: '#8250df',
  fencing: '#bc4c00',
  drill: '#1a7f37',
  control: '#57606a',
  agent: '#8c959f',
};

export interface EventsTimelineProps {
  readonly events: readonly ModelEvent[];
  readonly from: number;
  readonly to: number;
  readonly periods: readonly FaultPeriod[];
  readonly error: string | null;
}

export const EventsTimeline = memo(function EventsTimeline({
  events,
  from,
  to,
  periods,
  error,
}: EventsTimelineProps) {
  const span = Math.max(1, to - from);
  const x = (t: number) =>
    LEFT + ((Math.min(to, Math.max(from, t)) - from) / span) * (WIDTH - LEFT - 10);
  const height = EVENT_CATEGORIES.length * LANE + 20;
  const newest = useMemo(() => events.slice(-LISTED).reverse(), [events]);
  const dots = useMemo(() => timelineDots(events, from, to, SLICES), [events, from, to]);
  return (
    <section className="panel lazy" aria-labelledby="events-title">
      <h2 id="events-title">Events</h2>
      {error !== null && (
        <p className="hint">Stored events unavailable ({error}); showing live events.</p>
      )}
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        className="timeline"
        role="img"
        aria-label="Events timeline"
      >
        {periods
          .filter((p) => p.to >= from && p.from <= to)
          .map((p) => (
            <rect
              key={p.key}
              x={x(p.from)}
              y={0}
              width={Math.max(2, x(p.to) - x(p.from))}
              height={height - 20}
              fill={FAULT_FILL}
              opacity={0.12}
            >
              <title>{`${p.label}: ${clockTime(p.from)} – ${p.ongoing ? 'now' : clockTime(p.to)}`}</title>
            </rect>
          ))}
        {EVENT_CATEGORIES.map((c, i) => (
          <g key={c}>
            <text x={4} y={i * LANE + 14} className="lane-label">
              {c}
            </text>
            <line
              x1={LEFT}
              x2={WIDTH - 10}
              y1={i * LANE + 10}
              y2={i * LANE + 10}
              className="lane-line"
            />
          </g>
        ))}
        {dots.map((d) => (
          <circle
            key={d.key}
            cx={x(d.at)}
            cy={EVENT_CATEGORIES.indexOf(d.category) * LANE + 10}
            r={d.count > 1 ? 5 : 4}
            fill={LANE_COLORS[d.category]}
            data-count={d.count}
          >
            <title>{`${clockTime(d.at)} · ${d.count} event${d.count === 1 ? '' : 's'}\n${d.title}`}</title>
          </circle>
        ))}
        <text x={LEFT} y={height - 4} className="lane-label">
          {clockTime(from)}
        </text>
        <text x={WIDTH - 10} y={height - 4} textAnchor="end" className="lane-label">
          {clockTime(to)}
        </text>
      </svg>
      <ol className="event-list" aria-label="Newest events">
        {newest.length === 0 && <li className="muted">No events in this range.</li>}
        {newest.map((e) => (
          <li key={eventKey(e)} data-testid="event" data-category={categoryOf(e)}>
            <time dateTime={new Date(e.at).toISOString()}>{clockTime(e.at)}</time>{' '}
            <span className="tag" style={{ background: LANE_COLORS[categoryOf(e)] }}>
              {categoryOf(e)}
            </span>{' '}
            {describeEvent(e)}
          </li>
        ))}
      </ol>
    </section>
  );
});
