/**
 * The observatory's services, wired together: ingest on `/agent` → live model, traffic window
 * and history; the model pushed to `/ui`; the control plane; Prometheus metrics; the HTTP API.
 * `startServer` creates one per process and closes it on shutdown.
 */
import type { Namespace } from 'socket.io';
import { createAdminGuard } from './http/admin.ts';
import type { ApiServices } from './http/routes.ts';
import { Drills } from './drills/drills.ts';
import { createControl, type Control, type LabControl } from './control/control.ts';
import { SessionStore } from './control/sessions.ts';
import { FailureThrottle } from './control/throttle.ts';
import type { HistoryConfig } from './history/config.ts';
import { History } from './history/history.ts';
import { originPolicy, type OriginPolicy } from './http/origin.ts';
import { attachIngest, type Ingest } from './ingest/ingest.ts';
import type { BeamProxy } from './beam/proxy/beam-proxy.ts';
import { withBeamProxyAgents } from './beam/proxy/control-agents.ts';
import { MetricsRegistry } from './metrics/registry.ts';
import { registerModelMetrics } from './metrics/model-metrics.ts';
import { EventFeed } from './model/event-feed.ts';
import { LiveModel } from './model/live-model.ts';
import { TrafficWindow } from './model/traffic-window.ts';
import { startUiPush, type PushTarget } from './model/ui-push.ts';
import type { Db } from './store/client.ts';
import { every, systemClock, type Clock } from './clock.ts';

export interface ObservatoryOptions {
  readonly db: Db;
  readonly agentNamespace: Namespace;
  readonly uiNamespace: PushTarget;
  /** number of dashboards connected to `/ui` */
  readonly uiClients?: () => number;
  readonly adminToken: string;
  readonly agentToken: string;
  /**
   * Time of every timer and job (model tick, `/ui` pushes, flushes, rollups, retention), and
   * `now`/`monotonic` when those are not given.
   * @default systemClock
   */
  readonly clock?: Clock;
  /** wall-clock ms; default `clock.now` */
  readonly now?: () => number;
  /** monotonic ms for durations (session expiry, sign-in back-off); default `clock.monotonic` */
  readonly monotonic?: () => number;
  /** host names and origins trusted by the browser checks; default loopback only */
  readonly policy?: OriginPolicy;
  /** nodes the server keeps state for; default MAX_TRACKED_NODES (server/ingest/bounds.ts) */
  readonly maxTrackedNodes?: number;
  /** mark the session cookie `Secure` (the server is reached over https) */
  readonly secureCookies?: boolean;
  readonly log?: (line: string) => void;
  readonly history?: Partial<HistoryConfig>;
  /** drill runs kept in the store; default DEFAULT_DRILL_RUNS_KEPT (server/drills/drill-store.ts) */
  readonly drillRunsKept?: number;
  /** where drill histories are kept and their byte cap (server/drills/history-files.ts) */
  readonly drillHistories?: { readonly dir: string; readonly maxBytes?: number };
}

export interface Observatory {
  readonly model: LiveModel;
  readonly traffic: TrafficWindow;
  readonly history: History;
  readonly ingest: Ingest;
  readonly control: Control;
  readonly drills: Drills;
  readonly events: EventFeed;
  readonly metrics: MetricsRegistry;
  /** live dashboard sessions (sign-out revokes them here) */
  readonly sessions: SessionStore;
  /** What the HTTP API (server/http/routes.ts) reads and drives. */
  readonly services: ApiServices;
  /** Lets control restart and kill lab nodes (`observatory start`). */
  setLab(lab: LabControl | undefined): void;
  /** Routes partition, latency and heal of BEAM nodes to the distribution proxy. */
  setBeamProxy(proxy: Pick<BeamProxy, 'agent' | 'agents'> | undefined): void;
  /** Stops pushes and jobs and flushes pending writes. Idempotent. */
  close(): Promise<void>;
}

/** How often time-based model state (staleness, fault time left) is re-evaluated. */
const MODEL_TICK_MS = 1_000;

export function startObservatory(options: ObservatoryOptions): Observatory {
  const clock = options.clock ?? systemClock;
  const now = options.now ?? (() => clock.now());
  const log = options.log ?? (() => {});
  const metrics = new MetricsRegistry();
  const traffic = new TrafficWindow();
  const model = new LiveModel({
    now,
    ...(options.maxTrackedNodes !== undefined && { maxNodes: options.maxTrackedNodes }),
    onEvict: (node) => {
      traffic.drop(node);
      log(`model: tracking the most nodes kept; forgot ${node}, silent the longest`);
    },
  });
  const events = new EventFeed();
  const history = new History(options.db, {
    now,
    clock,
    log,
    ...(options.history && { config: options.history }),
  });
  const ingest = attachIngest(options.agentNamespace, {
    agentToken: options.agentToken,
    model,
    traffic,
    store: history,
    events,
    metrics,
    now,
    log,
    ...(options.maxTrackedNodes !== undefined && { maxTrackedNodes: options.maxTrackedNodes }),
  });
  const offEvents = events.subscribe((list) => {
    history
      .recordEvents(list)
      .catch((error: unknown) => log(`history: events not stored: ${String(error)}`));
  });

  let lab: LabControl | undefined;
  let beamProxy: Pick<BeamProxy, 'agent' | 'agents'> | undefined;
  const controlAgents = () =>
    beamProxy === undefined ? ingest : withBeamProxyAgents(ingest, beamProxy);
  const controlCounter = metrics.counter(
    'observatory_control_actions_total',
    'Control actions by action and outcome',
  );
  const run = createControl({
    agents: {
      agent: (node) => controlAgents().agent(node),
      agents: () => controlAgents().agents(),
    },
    model,
    audit: (entry) => history.audit(entry),
    events,
    now,
    get lab() {
      return lab;
    },
  });
  const control: Control = async (action, body, caller) => {
    try {
      const result = await run(action, body, caller);
      controlCounter({ action, outcome: result.ok ? 'ok' : 'failed' });
      return result;
    } catch (error) {
      controlCounter({ action, outcome: 'refused' });
      throw error;
    }
  };
  registerModelMetrics(metrics, model, traffic, now);

  const drills = new Drills({
    db: options.db,
    now,
    log,
    publish: (event) => events.server('', event),
    ...(options.drillRunsKept !== undefined && { keep: options.drillRunsKept }),
    ...(options.drillHistories !== undefined && { histories: options.drillHistories }),
  });
  const monotonic = options.monotonic ?? (() => clock.monotonic());
  const sessions = new SessionStore({ now: monotonic });
  const admin = createAdminGuard({
    adminToken: options.adminToken,
    sessions,
    throttle: new FailureThrottle(monotonic),
    policy: options.policy ?? originPolicy('127.0.0.1'),
    audit: (entry) =>
      history
        .audit(entry)
        .catch((error: unknown) => log(`audit: row not stored: ${String(error)}`)),
    now,
    ...(options.secureCookies !== undefined && { secureCookies: options.secureCookies }),
  });
  const services: ApiServices = {
    admin,
    cluster: () => model.read(),
    traffic: () => traffic.read(now()),
    history: (q) => history.history(q),
    events: (q) => history.events(q),
    control,
    drills,
    metrics: () => metrics.render(),
  };

  const uiClients = options.uiClients;
  const stopPush = startUiPush(options.uiNamespace, {
    model,
    traffic,
    events,
    timers: clock,
    ...(uiClients !== undefined && { active: () => uiClients() > 0 }),
  });
  const stopTick = every(clock, MODEL_TICK_MS, () => model.tick(now()));
  history.startJobs();

  let closing: Promise<void> | undefined;
  return {
    model,
    traffic,
    history,
    ingest,
    control,
    drills,
    events,
    metrics,
    sessions,
    services,
    setLab: (l) => {
      lab = l;
    },
    setBeamProxy: (p) => {
      beamProxy = p;
    },
    close() {
      closing ??= (async () => {
        stopTick();
        // the drill's finish event still reaches the store before history closes
        await drills.close();
        stopPush();
        offEvents();
        await history.close();
      })();
      return closing;
    },
  };
}
