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
import { ingestGate, loopLoad } from './ingest/gate.ts';
import { attachIngest } from './ingest/ingest.ts';
import type { Ingest } from './ingest/ports.ts';
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
import { DRILL_LOCK_KEY, JOBS_LOCK_KEY } from './multi/constants.ts';
import { clusterWideDrillStart } from './multi/drill-lock.ts';
import { JobsLeader, tryAdvisoryLock } from './multi/locks.ts';
import { ServerPeers, type PeerBus } from './multi/peers.ts';

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
  /**
   * Whether snapshot batches wait while the event loop is saturated (server/ingest/gate.ts), so
   * HTTP and `/ui` keep answering under a flood of agents. Default: on with the system clock
   * (the load it measures is real time's), off with any other clock (a simulation runs flat out).
   */
  readonly ingestGate?: boolean;
  /** mark the session cookie `Secure` (the server is reached over https) */
  readonly secureCookies?: boolean;
  readonly log?: (line: string) => void;
  readonly history?: Partial<HistoryConfig>;
  /** drill runs kept in the store; default DEFAULT_DRILL_RUNS_KEPT (server/drills/drill-store.ts) */
  readonly drillRunsKept?: number;
  /** where drill histories are kept and their byte cap (server/drills/history-files.ts) */
  readonly drillHistories?: { readonly dir: string; readonly maxBytes?: number };
  /**
   * One of several servers on one PostgreSQL store (server/multi): the live model is shared with
   * the peers over `bus`, rollups and retention run on the holder of the jobs lock only, and
   * drills one at a time across the servers. Absent: a single server.
   */
  readonly multiServer?: {
    /** this server's id, unique per process (its boot id) */
    readonly id: string;
    readonly bus: PeerBus;
    /** the store's PostgreSQL URL; the locks hold connections of their own */
    readonly databaseUrl: string;
    /** @default the system clock */
    readonly clock?: Clock;
  };
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
  /**
   * Tells the peer servers (several servers on one store) that this one leaves, so they mark its
   * agents down at once; call before socket.io closes. A no-op for a single server.
   */
  leave(): void;
  /** Agents connected to the peer servers (several servers on one store); 0 for a single server. */
  peerAgents(): number;
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
  const multi = options.multiServer;
  const leader =
    multi === undefined
      ? undefined
      : new JobsLeader({
          databaseUrl: multi.databaseUrl,
          key: JOBS_LOCK_KEY,
          clock: multi.clock ?? clock,
          log,
          what: 'rollups and retention',
        });
  const peers =
    multi === undefined
      ? undefined
      : new ServerPeers({
          id: multi.id,
          bus: multi.bus,
          model,
          traffic,
          events,
          clock: multi.clock ?? clock,
          log,
        });
  const jobsRun = metrics.counter(
    'observatory_history_jobs_total',
    'Rollup and retention runs done by this server (with several servers: the lock holder only)',
  );
  const history = new History(options.db, {
    now,
    clock,
    log,
    onJob: (job) => jobsRun({ job }),
    ...(leader !== undefined && { runJobs: () => leader.isLeader() }),
    ...(options.history && { config: options.history }),
  });
  const gateOn = options.ingestGate ?? clock === systemClock;
  const load = gateOn ? loopLoad(clock) : undefined;
  const gate = load === undefined ? undefined : ingestGate({ clock, load });
  const ingest = attachIngest(options.agentNamespace, {
    agentToken: options.agentToken,
    model: peers?.model ?? model,
    traffic: peers?.traffic ?? traffic,
    store: history,
    events,
    metrics,
    now,
    log,
    ...(options.maxTrackedNodes !== undefined && { maxTrackedNodes: options.maxTrackedNodes }),
    ...(gate !== undefined && { gate }),
  });
  // A peer's events are stored by that peer.
  const offEvents = events.subscribe((list, origin) => {
    if (origin === 'peer') return;
    history
      .recordEvents(list)
      .catch((error: unknown) => log(`history: events not stored: ${String(error)}`));
  });

  let lab: LabControl | undefined;
  let beamProxy: Pick<BeamProxy, 'agent' | 'agents'> | undefined;
  peers?.setLocal(ingest);
  // Agents held by peer servers are reached through them (server/multi/peers.ts).
  const agentsHere = peers ?? ingest;
  const controlAgents = () =>
    beamProxy === undefined ? agentsHere : withBeamProxyAgents(agentsHere, beamProxy);
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
    ...(multi !== undefined && { recoverAtStart: false }),
  });
  const startDrill =
    multi === undefined
      ? (body: unknown) => drills.start(body)
      : clusterWideDrillStart(
          drills,
          () => tryAdvisoryLock(multi.databaseUrl, DRILL_LOCK_KEY, log),
          log,
        );
  if (multi !== undefined) {
    // Runs a dead server left `running` are interrupted, unless a live server holds the lock.
    void tryAdvisoryLock(multi.databaseUrl, DRILL_LOCK_KEY, log)
      .then(async (held) => {
        if (held === undefined) return;
        await drills.recoverInterrupted();
        await held.release();
      })
      .catch((error: unknown) => log(`drills: interrupted runs not checked: ${String(error)}`));
  }
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
    drills: {
      list: (q) => drills.list(q),
      get: (id) => drills.get(id),
      view: (id) => drills.view(id),
      historyFile: (id) => drills.historyFile(id),
      start: startDrill,
    },
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
  if (leader !== undefined && peers !== undefined) {
    leader.start();
    peers.start();
    metrics.onCollect(() => {
      metrics
        .gauge('observatory_jobs_leader', '1 when this server holds the rollup and retention lock')
        .set({}, leader.isLeader() ? 1 : 0);
      metrics
        .gauge('observatory_peer_servers', 'Other observatory servers heard on the shared store')
        .set({}, peers.peerCount());
    });
  }

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
    leave: () => peers?.close(),
    peerAgents: () => peers?.remoteAgentCount() ?? 0,
    close() {
      closing ??= (async () => {
        stopTick();
        gate?.close();
        load?.stop();
        peers?.close();
        // the drill's finish event still reaches the store before history closes
        await drills.close();
        stopPush();
        offEvents();
        await history.close();
        await leader?.close();
      })();
      return closing;
    },
  };
}
