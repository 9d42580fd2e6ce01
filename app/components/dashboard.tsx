'use client';
/**
 * The dashboard: live state from the `/ui` socket, history from the store, one time range shared
 * by every chart and the timeline, and the controls. Composition only; each panel is its own file.
 */
import { useMemo, useState } from 'react';
import '../dashboard.css';
import type { TrafficRow } from '../../protocol/model.ts';
import { useLive } from '../hooks/use-live.ts';
import { useNow } from '../hooks/use-now.ts';
import { useRangeEvents } from '../hooks/use-range-events.ts';
import { useSession } from '../hooks/use-session.ts';
import { ownerColors } from '../lib/colors.ts';
import { faultPeriods, type FaultPeriod } from '../lib/events.ts';
import { rangeBounds, type TimeRange } from '../lib/history.ts';
import type { DrawnLink } from '../lib/topology.ts';
import { ConnectionBanner } from './connection-banner.tsx';
import { Controls } from './controls.tsx';
import { Drills } from './drills.tsx';
import { EventsTimeline } from './events-timeline.tsx';
import { LinkDetails } from './link-details.tsx';
import { RangePicker } from './range-picker.tsx';
import { ShardMap } from './shard-map.tsx';
import { ServerStatus } from './server-status.tsx';
import { ShardMoves } from './shard-moves.tsx';
import { SignIn } from './sign-in.tsx';
import { Topology } from './topology.tsx';
import { TrafficCharts } from './traffic-charts.tsx';
import { TrafficMatrix } from './traffic-matrix.tsx';

const NO_ROWS: readonly TrafficRow[] = [];

/** How far the charts' time axis moves at a time. */
const CHART_STEP_MS = 5_000;

export function Dashboard() {
  const live = useLive();
  const session = useSession();
  const now = useNow();
  const [range, setRange] = useState<TimeRange>({ kind: '5m' });
  const [viewer, setViewer] = useState<string | null>(null);
  const [selected, setSelected] = useState<DrawnLink | null>(null);
  // Charts slide in steps, not every second: each redraw of every chart costs main-thread time.
  // The right edge runs one step ahead so the newest bucket is always inside the axis.
  const chartClock = Math.floor(now / CHART_STEP_MS) * CHART_STEP_MS + CHART_STEP_MS;
  const { events, error: eventsError } = useRangeEvents(range, live.events, chartClock);
  const { from, to } = rangeBounds(range, chartClock);
  const model = live.model;
  const rows = live.trafficView?.rows ?? NO_ROWS;
  const nodeNames = useMemo(() => model?.nodes.map((n) => n.name) ?? [], [model]);
  const colors = useMemo(() => ownerColors(nodeNames), [nodeNames]);
  // Model pushes (up to 10 a second) bring new fault arrays with the same content: key the
  // periods by content so the charts they shade do not redraw for nothing.
  const periodsKey = JSON.stringify(faultPeriods(events, model?.faults ?? [], chartClock));
  const periods = useMemo(() => JSON.parse(periodsKey) as FaultPeriod[], [periodsKey]);
  const selectedLink =
    selected === null
      ? undefined
      : model?.links.find((l) => l.a === selected.a && l.b === selected.b);
  const up = model?.nodes.filter((n) => n.status === 'up').length ?? 0;

  // Server rendering and hydration know no time: the dashboard renders on the client only.
  if (now === 0) {
    return <p className="muted">Loading the dashboard…</p>;
  }

  return (
    <>
      <ConnectionBanner connected={live.connected} />
      <header className="top">
        <div>
          <h1>Cluster Observatory</h1>
          <p className="muted" data-testid="summary">
            {model === null
              ? 'Waiting for the cluster model…'
              : `${up} of ${model.nodes.length} nodes up · ${model.shards.length} shards · ${live.status?.agentsConnected ?? '…'} agents connected`}
            {live.connected === true && <span className="live-dot" aria-label="live" />}
          </p>
        </div>
        <ServerStatus status={live.status} />
        <SignIn session={session} />
      </header>
      {model !== null && (
        <div className="grid two">
          <Topology
            model={model}
            rows={rows}
            viewer={viewer}
            onViewer={setViewer}
            selected={selected?.key ?? null}
            onSelect={setSelected}
          />
          <div>
            {selected !== null && (
              <LinkDetails
                a={selected.a}
                b={selected.b}
                state={
                  selectedLink?.blackholed ? 'blackholed' : (selectedLink?.state ?? selected.look)
                }
                rows={rows}
                onClose={() => setSelected(null)}
              />
            )}
            <ShardMap shards={model.shards} colors={colors} />
          </div>
        </div>
      )}
      {model !== null && <Controls model={model} session={session} now={now} colors={colors} />}
      <section className="panel" aria-label="Time range">
        <div className="panel-head">
          <h2>Time range</h2>
          <RangePicker range={range} onChange={setRange} />
        </div>
      </section>
      <TrafficCharts
        range={range}
        from={from}
        to={to}
        trafficLog={live.trafficLog}
        periods={periods}
        nodeColors={colors}
      />
      <div className="grid two">
        <TrafficMatrix rows={rows} nodes={nodeNames} />
        <section className="panel" aria-label="Shard moves">
          <h2>Shard moves</h2>
          <ShardMoves events={events} from={from} to={to} periods={periods} />
        </section>
      </div>
      <EventsTimeline events={events} from={from} to={to} periods={periods} error={eventsError} />
      <Drills enabled={session.signedIn === true} />
    </>
  );
}
