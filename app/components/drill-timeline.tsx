'use client';
/**
 * A drill's history as a timeline: one lane per client process, each operation a bar from its
 * invoke to its completion — green ok, red fail, amber info, open to the end (it may have taken
 * effect at any time after its invoke) — fault intervals (partition, isolate or bridge → heal,
 * kill → restart, pause → resume, a node's wall-clock step while its offset is not 0; see
 * FAULT_ENDS in server/drills/timeline.ts) shaded across the lanes, the drill's other phases as marks, and the operations of the
 * checker's failing window outlined. Plain SVG: the server caps a timeline at 5,000 operations
 * (sampling `ok` ones beyond that), and one rect per operation draws that fast.
 */
import { memo, useMemo } from 'react';
import type { DrillTimeline } from '../../protocol/http.ts';
import { layoutTimeline, runTime, TIMELINE_LEFT, TIMELINE_TOP } from '../lib/drill-timeline.ts';

export const OP_COLORS = { ok: '#1a7f37', fail: '#cf222e', info: '#bf8700' } as const;
const FAULT_FILL = 'rgba(207, 34, 46, 0.12)';
const WINDOW_STROKE = '#8250df';

export const DrillTimelineChart = memo(function DrillTimelineChart({
  timeline,
}: {
  timeline: DrillTimeline;
}) {
  const layout = useMemo(() => layoutTimeline(timeline), [timeline]);
  const lanesBottom = TIMELINE_TOP + layout.lanes.length * layout.laneHeight;
  const windowOps = layout.bars.filter((b) => b.op.window === true);
  return (
    <figure className="chart drill-timeline" data-testid="drill-timeline">
      <svg
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="img"
        aria-label={`History timeline: ${layout.lanes.length} client lanes, ${timeline.shownOps} operations drawn, ${timeline.intervals.length} fault intervals`}
        data-lanes={layout.lanes.length}
        data-ops={layout.bars.length}
        data-faults={layout.faults.length}
      >
        <defs>
          <linearGradient id="drill-info-open" x1="0" x2="1" y1="0" y2="0">
            <stop offset="0" stopColor={OP_COLORS.info} stopOpacity="0.9" />
            <stop offset="1" stopColor={OP_COLORS.info} stopOpacity="0.1" />
          </linearGradient>
        </defs>
        {layout.faults.map((f, i) => (
          <g key={`fault-${i}`} data-testid="timeline-fault" data-fault={f.f}>
            <title>{`${f.f}${f.open ? ' (not ended)' : ''}`}</title>
            <rect
              x={f.x}
              y={TIMELINE_TOP - 14}
              width={f.w}
              height={lanesBottom - TIMELINE_TOP + 14}
              fill={FAULT_FILL}
            />
            <text x={f.x + 3} y={TIMELINE_TOP - 4} fontSize="10" fill="currentColor">
              {f.f}
            </text>
          </g>
        ))}
        {layout.marks.map((m, i) => (
          <line
            key={`mark-${i}`}
            x1={m.x}
            x2={m.x}
            y1={TIMELINE_TOP - 18}
            y2={lanesBottom}
            stroke="currentColor"
            strokeOpacity="0.25"
            strokeDasharray="2 3"
          >
            <title>{`${m.f} at ${runTime(m.atMs)}`}</title>
          </line>
        ))}
        {layout.lanes.map((l) => (
          <g key={l.process} data-testid="timeline-lane" aria-label={`process ${l.process}`}>
            <text
              x={TIMELINE_LEFT - 6}
              y={l.y + layout.laneHeight / 2 + 3}
              fontSize={Math.min(11, layout.laneHeight)}
              textAnchor="end"
              fill="currentColor"
            >
              {`p${l.process}`}
            </text>
            <line
              x1={TIMELINE_LEFT}
              x2={layout.width}
              y1={l.y + layout.laneHeight / 2}
              y2={l.y + layout.laneHeight / 2}
              stroke="currentColor"
              strokeOpacity="0.08"
            />
          </g>
        ))}
        <g data-testid="timeline-ops">
          {layout.bars.map((b) => (
            <rect
              key={b.op.index}
              x={b.x}
              y={b.y}
              width={b.w}
              height={b.h}
              fill={b.open ? 'url(#drill-info-open)' : OP_COLORS[b.op.type]}
              data-type={b.op.type}
            />
          ))}
        </g>
        {windowOps.map((b) => (
          <rect
            key={`w-${b.op.index}`}
            data-testid="timeline-window-op"
            x={b.x - 1}
            y={b.y - 1}
            width={b.w + 2}
            height={b.h + 2}
            fill="none"
            stroke={WINDOW_STROKE}
            strokeWidth="2"
          >
            <title>{`process ${b.op.process}: ${b.op.f} ${JSON.stringify(b.op.value)} (${b.op.type}), ${runTime(b.op.invokeMs)} → ${runTime(b.op.completeMs)}`}</title>
          </rect>
        ))}
        {layout.ticks.map((t) => (
          <text
            key={t.x}
            x={t.x}
            y={layout.height - 6}
            fontSize="10"
            textAnchor="middle"
            fill="currentColor"
            opacity="0.7"
          >
            {t.label}
          </text>
        ))}
      </svg>
      <figcaption>
        <ul className="legend">
          <li>
            <span className="swatch" style={{ background: OP_COLORS.ok }} /> ok
          </li>
          <li>
            <span className="swatch" style={{ background: OP_COLORS.fail }} /> fail (did not happen)
          </li>
          <li>
            <span
              className="swatch"
              style={{ background: `linear-gradient(90deg, ${OP_COLORS.info}, transparent)` }}
            />{' '}
            info (unknown: open-ended)
          </li>
          <li>
            <span className="swatch" style={{ background: FAULT_FILL }} /> fault
          </li>
          <li>
            <span className="swatch" style={{ outline: `2px solid ${WINDOW_STROKE}` }} /> failing
            window
          </li>
        </ul>
        <p className="hint" data-testid="drill-timeline-summary">
          {timeline.totalOps} operations by {timeline.processes.length} client processes over{' '}
          {runTime(timeline.endMs)}
          {timeline.note !== undefined && ` — ${timeline.note}`}
          {layout.hiddenLanes > 0 && ` — ${layout.hiddenLanes} more lanes not drawn`}
          {timeline.skippedLines > 0 && ` — ${timeline.skippedLines} unreadable lines skipped`}
        </p>
      </figcaption>
    </figure>
  );
});
