'use client';
/**
 * The dashboard: live state from the `/ui` socket, history from the store, one time range shared
 * by every chart and the timeline, and the controls. Composition only; each panel is its own file.
 *
 * What redraws when, so that a node going down reaches the page at once while updates stream:
 * - a model (every second, and after every control) redraws only what shows the model: the
 *   topology, the shard map and the node table, each down to the marks whose values changed;
 * - the charts and the timeline move with a clock that steps every `CHART_STEP_MS`, take their
 *   data in transitions (interruptible by a model) and at most once a second for events;
 * - everything handed to a memoized panel is kept stable while its content is the same.
 */
import { memo, useDeferredValue, useMemo, useState } from 'react';
import '../dashboard.css';
import '../topology.css';
import type { ModelFault, TrafficRow } from '../../protocol/model.ts';
import { useClock } from '../hooks/use-now.ts';
import { useLive } from '../hooks/use-live.ts';
import { useRangeEvents } from '../hooks/use-range-events.ts';
import { useSession } from '../hooks/use-session.ts';
import { useThrottled } from '../hooks/use-throttled.ts';
import { ownerColors } from '../lib/colors.ts';
import { faultPeriods, type FaultPeriod } from '../lib/events.ts';
import { rangeBounds, type TimeRange } from '../lib/history.ts';
import type { DiscoveryNode } from '../lib/discovery.ts';
import type { DrawnLink } from '../lib/topology.ts';
import { ConnectionBanner } from './connection-banner.tsx';
import { Controls } from './controls.tsx';
import { DiscoveryPanel } from './discovery-panel.tsx';
import { Drills } from './drills.tsx';
import { EventsTimeline } from './events-timeline.tsx';
import { Later } from './later.tsx';
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
const NO_FAULTS: readonly ModelFault[] = [];

/** How far the charts' time axis moves at a time. */
export const CHART_STEP_MS = 5_000;

/** The timeline and the shard-moves chart take new events at most this often. */
export const EVENTS_SHOWN_MS = 1_000;

/** A list of names from a newline-joined key (the key keeps memoized lists stable). */
const splitKey = (key: string): readonly string[] => (key === '' ? [] : key.split('\n'));

export function Dashboard() {
  const live = useLive();
  const session = useSession();
  // Charts slide in steps, not every second: each redraw of every chart costs main-thread time.
  // The right edge runs one step ahead so the newest bucket is always inside the axis.
  const clock = useClock(CHART_STEP_MS);
  // The clock is an urgent (synchronous) update; what it moves is not: the step re-renders the
  // panels with the new time in a deferred, interruptible render, never ahead of a model.
  const chartClock = useDeferredValue(clock + CHART_STEP_MS);
  const [range, setRange] = useState<TimeRange>({ kind: '5m' });
  const [viewer, setViewer] = useState<string | null>(null);
  const [selected, setSelected] = useState<DrawnLink | null>(null);
  const { events: rangeEvents, error: eventsError } = useRangeEvents(
    range,
    live.events,
    chartClock,
  );
  const events = useThrottled(rangeEvents, EVENTS_SHOWN_MS);
  const { from, to } = rangeBounds(range, chartClock);
  const model = live.model;
  const rows = live.trafficView?.rows ?? NO_ROWS;

  // Models arrive every second with new arrays of the same nodes: key derived lists by content.
  const namesKey = model?.nodes.map((n) => n.name).join('\n') ?? '';
  const visibleKey =
    model?.nodes
      .filter((n) => !n.hidden)
      .map((n) => n.name)
      .join('\n') ?? '';
  const nodeNames = useMemo(() => splitKey(namesKey), [namesKey]);
  const visible = useMemo(() => splitKey(visibleKey), [visibleKey]);
  const colors = useMemo(() => ownerColors(nodeNames), [nodeNames]);
  const faults = model?.faults ?? NO_FAULTS;
  const activeKey = JSON.stringify(faults.map((f) => [f.id, f.kind, f.appliedAt]));
  // Periods only change with events, the set of active faults and the chart clock; keyed by
  // content, the charts they shade do not redraw for an equal list.
  const periodsKey = useMemo(() => {
    const active = (JSON.parse(activeKey) as [string, ModelFault['kind'], number][]).map(
      ([id, kind, appliedAt]) => ({ id, kind, appliedAt }),
    );
    return JSON.stringify(faultPeriods(events, active, chartClock));
  }, [events, activeKey, chartClock]);
  const periods = useMemo(() => JSON.parse(periodsKey) as FaultPeriod[], [periodsKey]);
  const selectedLink =
    selected === null
      ? undefined
      : model?.links.find((l) => l.a === selected.a && l.b === selected.b);
  const up = model?.nodes.filter((n) => n.status === 'up').length ?? 0;
  // What the discovery debugger shows changes seldom: keyed by content, it redraws only then.
  const discoveryKey = JSON.stringify(
    model?.nodes.map(({ name, address, status, view, discovery }) => ({
      name,
      address,
      status,
      view,
      discovery: discovery ?? null,
    })) ?? [],
  );
  const discoveryNodes = useMemo(() => JSON.parse(discoveryKey) as DiscoveryNode[], [discoveryKey]);

  // Server rendering and hydration know no time: the dashboard renders on the client only. The
  // deferred chart clock lags one render behind the first real clock (it still holds 0 + one
  // step there): panels mounted in that render would ask the store for a range in 1970.
  if (clock === 0 || chartClock === CHART_STEP_MS) {
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
      {model !== null && (
        <Controls
          nodes={model.nodes}
          visible={visible}
          faults={faults}
          session={session}
          colors={colors}
        />
      )}
      <TimeRangePanel range={range} onChange={setRange} />
      {/* Below the fold and costly to mount: after the first model is drawn, one per task. */}
      <Later ready={model !== null} fallback={<Pending title="Traffic" />}>
        <TrafficCharts
          range={range}
          clock={chartClock}
          trafficLog={live.trafficLog}
          periods={periods}
          nodeColors={colors}
        />
      </Later>
      <div className="grid two">
        <Later ready={model !== null} fallback={<Pending title="Bytes/s, sender × receiver" />}>
          <TrafficMatrix rows={rows} nodes={nodeNames} />
        </Later>
        <section className="panel" aria-label="Shard moves">
          <h2>Shard moves</h2>
          <Later ready={model !== null}>
            <ShardMoves events={events} from={from} to={to} periods={periods} />
          </Later>
        </section>
      </div>
      <Later ready={model !== null} fallback={<Pending title="Events" />}>
        <EventsTimeline events={events} from={from} to={to} periods={periods} error={eventsError} />
      </Later>
      <Later ready={model !== null} fallback={<Pending title="Discovery" />}>
        <DiscoveryPanel nodes={discoveryNodes} />
      </Later>
      <Drills enabled={session.signedIn === true} />
    </>
  );
}

const TimeRangePanel = memo(function TimeRangePanel({
  range,
  onChange,
}: {
  range: TimeRange;
  onChange: (range: TimeRange) => void;
}) {
  return (
    <section className="panel" aria-label="Time range">
      <div className="panel-head">
        <h2>Time range</h2>
        <RangePicker range={range} onChange={onChange} />
      </div>
    </section>
  );
});

function Pending({ title }: { title: string }) {
  return (
    <section className="panel" aria-busy="true">
      <h2>{title}</h2>
      <p className="muted">Loading…</p>
    </section>
  );
}
