/**
 * Watches BEAM nodes without an agent inside them: the observatory joins their cluster as a
 * hidden Erlang node and, once a second per node, asks each over `rex` (two read-only calls,
 * see poll.ts). Each node's polls become snapshots on an in-process agent session, so they take
 * the same ingest path as TypeScript agents (dedupe, store, rollups, live model, export).
 *
 * Polling is bounded: each call has a deadline, a node whose poll is still running when the
 * next is due is skipped (no pile-up behind a hung node), and after a few failures in a row, or
 * at once on nodedown, the node's session closes (the model shows it down) and the observer
 * retries the connection every few seconds. The only call that changes anything is
 * `erlang:halt/0`, for an admin's kill of a node the lab did not start.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  atom,
  startErlangNode,
  type ErlangNode,
  type Port,
  type Term,
} from '../../../cluster/erlang/index.ts';
import { AGENT_PROTOCOL_VERSION, type AgentHello } from '../../../protocol/agent.ts';
import type { CommandAck, ControlCommandInput } from '../../../protocol/control.ts';
import type { Ingest, LocalAgent } from '../../ingest/ports.ts';
import {
  BEAM_DEMO_PG_SCOPE,
  BEAM_POLL_FAILURES_BEFORE_DOWN,
  DEFAULT_BEAM_POLL_INTERVAL_MS,
  DEFAULT_BEAM_POLL_TIMEOUT_MS,
  DEFAULT_BEAM_RECONNECT_MS,
} from '../constants.ts';
import { BeamPollError } from '../errors.ts';
import { firstCall, parseFirst, parseSecond, secondCall, type RexCall } from './poll.ts';
import { BeamSnapshotBuilder, type BeamTraffic } from './snapshot.ts';

export interface BeamObserverOptions {
  /** full names of the nodes to watch, `name@host` */
  readonly nodes: readonly string[];
  /** the cluster's cookie (it gives full control of the cluster: never log it) */
  readonly cookie: string;
  readonly ingest: Pick<Ingest, 'attachLocal'>;
  /** EPMD port on the nodes' hosts; default 4369 */
  readonly epmdPort?: number;
  /** host part of the observer's own node name; default 127.0.0.1 */
  readonly host?: string;
  /** net_ticktime of the observer's node, ms; default the runtime's (60 000) */
  readonly ticktimeMs?: number;
  /** default DEFAULT_BEAM_POLL_INTERVAL_MS (1 s) */
  readonly intervalMs?: number;
  /** a whole poll's deadline; default DEFAULT_BEAM_POLL_TIMEOUT_MS (2 s) */
  readonly timeoutMs?: number;
  /** default DEFAULT_BEAM_RECONNECT_MS (2 s) */
  readonly reconnectMs?: number;
  /** the `pg` scope whose groups are listed; default the demo's (`obs_demo`) */
  readonly pgScope?: string;
  /** SIGKILLs a node the lab started; false for a node it does not know (then erlang:halt/0) */
  readonly labKill?: (node: string) => boolean;
  /** per-link traffic measured elsewhere (the distribution proxy), merged into the snapshot */
  readonly traffic?: (node: string) => BeamTraffic | undefined;
  readonly log?: (line: string) => void;
  /** ms since epoch; default Date.now */
  readonly now?: () => number;
}

/** Counters of the observer's own work, for tests and benchmarks. */
export interface BeamObserverStats {
  polls: number;
  failed: number;
  /** polls not started because the previous one of that node was still running */
  skipped: number;
}

export interface BeamObserver {
  /** the observer's hidden node name */
  readonly name: string;
  readonly stats: BeamObserverStats;
  /** nodes with an open session (reachable and answering) */
  connected(): string[];
  /** every node watched */
  watched(): string[];
  /** Starts watching one more node (discovery); a node already watched is ignored. */
  add(node: string): void;
  close(): Promise<void>;
}

/** Starts the hidden node and one watcher per node. */
export async function startBeamObserver(options: BeamObserverOptions): Promise<BeamObserver> {
  const host = options.host ?? '127.0.0.1';
  const name = `observatory_${randomBytes(4).toString('hex')}@${host}`;
  const erl = await startErlangNode({
    name,
    cookie: options.cookie,
    ...(options.epmdPort !== undefined && { epmdPort: options.epmdPort }),
    ...(options.ticktimeMs !== undefined && { ticktimeMs: options.ticktimeMs }),
    hidden: true,
    // nobody dials the observer: it needs neither a registration nor a registry of its own
    publish: false,
    embeddedEpmd: false,
    echo: false,
  });
  const stats: BeamObserverStats = { polls: 0, failed: 0, skipped: 0 };
  const watchers = options.nodes.map((node) => new NodeWatcher(node, erl, options, stats));
  let closed = false;
  const offEvents = erl.onNodeEvent((e) => {
    if (e.event === 'nodedown') watchers.find((w) => w.node === e.node)?.lost('nodedown');
  });
  for (const w of watchers) w.start();
  return {
    name,
    stats,
    connected: () => watchers.filter((w) => w.isConnected()).map((w) => w.node),
    watched: () => watchers.map((w) => w.node),
    add(node) {
      if (closed || watchers.some((w) => w.node === node)) return;
      const w = new NodeWatcher(node, erl, options, stats);
      watchers.push(w);
      w.start();
    },
    async close() {
      closed = true;
      offEvents();
      for (const w of watchers) w.stop();
      await erl.close();
    },
  };
}

interface Session {
  readonly agent: LocalAgent;
  readonly builder: BeamSnapshotBuilder;
  failures: number;
  /** snapshots submitted and not yet acknowledged */
  pending: number;
}

/** Most unacknowledged snapshots per node before polls pause (a stalled store must not pile up). */
const MAX_PENDING_SUBMITS = 5;

class NodeWatcher {
  private session: Session | undefined;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly log: (line: string) => void;

  constructor(
    readonly node: string,
    private readonly erl: ErlangNode,
    private readonly options: BeamObserverOptions,
    private readonly stats: BeamObserverStats,
  ) {
    this.intervalMs = options.intervalMs ?? DEFAULT_BEAM_POLL_INTERVAL_MS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_BEAM_POLL_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => {});
  }

  isConnected(): boolean {
    return this.session !== undefined;
  }

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.lost('observer stopped');
  }

  /** The node went away (or stopped answering): its session closes, the model shows it down. */
  lost(reason: string): void {
    const s = this.session;
    if (s === undefined) return;
    this.session = undefined;
    s.agent.close(reason);
    if (!this.stopped) this.log(`beam: ${this.node} is gone (${reason})`);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.tick(), delayMs);
    this.timer.unref();
  }

  private tick(): void {
    const started = performance.now();
    const next = () =>
      this.session === undefined
        ? (this.options.reconnectMs ?? DEFAULT_BEAM_RECONNECT_MS)
        : Math.max(0, this.intervalMs - (performance.now() - started));
    if (this.busy || (this.session?.pending ?? 0) >= MAX_PENDING_SUBMITS) {
      this.stats.skipped++;
      this.schedule(this.intervalMs);
      return;
    }
    this.busy = true;
    const work = this.session === undefined ? this.connect() : this.poll(this.session);
    void work.finally(() => {
      this.busy = false;
      this.schedule(next());
    });
  }

  private async connect(): Promise<void> {
    if ((await this.erl.ping(this.node, this.timeoutMs)) !== 'pong') return;
    let release: Term;
    try {
      release = await this.erl.call(
        this.node,
        'erlang',
        'system_info',
        [atom('otp_release')],
        this.timeoutMs,
      );
    } catch (error) {
      this.log(`beam: ${this.node} answers but not rex: ${String(error)}`);
      return;
    }
    if (this.stopped) return;
    const otpRelease = Array.isArray(release)
      ? String.fromCharCode(...(release as number[])).slice(0, 32)
      : 'unknown';
    const bootId = randomUUID();
    const hello: AgentHello = {
      token: 'in-process',
      protocol: AGENT_PROTOCOL_VERSION,
      node: this.node,
      bootId,
      hidden: false,
      address: this.node.split('@')[1] ?? '',
      intervalMs: this.intervalMs,
      capabilities: ['kill'],
      now: this.now(),
    };
    const agent = this.options.ingest.attachLocal(hello, {
      command: (command) => this.command(command),
      kicked: () => {
        if (this.session?.agent === agent) this.session = undefined;
      },
    });
    this.session = {
      agent,
      builder: new BeamSnapshotBuilder(
        this.node,
        bootId,
        this.erl.name,
        otpRelease,
        this.intervalMs,
      ),
      failures: 0,
      pending: 0,
    };
    this.log(`beam: watching ${this.node} (OTP ${otpRelease})`);
    await this.poll(this.session);
  }

  private async call(c: RexCall, deadline: number): Promise<Term> {
    const left = deadline - performance.now();
    if (left <= 0) throw new BeamPollError(this.node, `no answer within ${this.timeoutMs} ms`);
    return this.erl.call(this.node, c.module, c.fun, c.args, left);
  }

  private async poll(session: Session): Promise<void> {
    const deadline = performance.now() + this.timeoutMs;
    const scope = this.options.pgScope ?? BEAM_DEMO_PG_SCOPE;
    this.stats.polls++;
    let snapshot;
    try {
      const first = parseFirst(await this.call(firstCall(scope), deadline));
      const withPort = first.dist.flatMap((d, i) =>
        d.port === undefined ? [] : [{ i, port: d.port }],
      );
      const second = parseSecond(
        await this.call(
          secondCall(
            withPort.map((w): Port => w.port),
            first.pgRunning ? scope : undefined,
          ),
          deadline,
        ),
        first.pgRunning,
      );
      // counters back in dist_ctrl order, as the snapshot builder reads them
      const counters = first.dist.map(() => undefined as (typeof second.counters)[number]);
      withPort.forEach((w, k) => (counters[w.i] = second.counters[k]));
      if (this.session !== session) return;
      snapshot = session.builder.build(
        { at: this.now(), first, second: { ...second, counters } },
        this.options.traffic?.(this.node),
      );
      session.failures = 0;
    } catch (error) {
      this.stats.failed++;
      session.failures++;
      if (this.session !== session) return;
      const gone = !this.erl.nodes().includes(this.node);
      if (gone || session.failures >= BEAM_POLL_FAILURES_BEFORE_DOWN) {
        this.lost(gone ? 'not connected' : `${session.failures} polls failed: ${String(error)}`);
      }
      return;
    }
    session.pending++;
    session.agent.submit([snapshot]).then(
      (ack) => {
        session.pending--;
        if (!ack.ok) this.log(`beam: snapshot of ${this.node} refused: ${ack.error.message}`);
      },
      (error: unknown) => {
        session.pending--;
        this.log(`beam: snapshot of ${this.node} not submitted: ${String(error)}`);
      },
    );
  }

  private async command(command: ControlCommandInput): Promise<CommandAck> {
    const ack = (ok: boolean, message?: string): CommandAck => ({
      id: command.id,
      ok,
      ...(message !== undefined && { error: { code: 'unsupported', message } }),
      appliedAt: this.now(),
      expiresAt: null,
    });
    if (command.type !== 'kill') {
      return ack(false, `${command.type} of a BEAM node needs the distribution proxy`);
    }
    if (this.options.labKill?.(this.node) === true) return ack(true);
    // Not a lab node: the one non-read-only call, after the admin confirmed it.
    const down = this.erl.monitorNode(this.node);
    this.erl
      .call(this.node, 'erlang', 'halt', [], this.timeoutMs)
      .catch(() => undefined /* the node halts before it can answer */);
    const result = await Promise.race([
      down,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), this.timeoutMs).unref()),
    ]);
    return result === 'timeout' || result === 'not_connected'
      ? ack(false, `${this.node} did not go down after erlang:halt/0`)
      : ack(true);
  }
}
