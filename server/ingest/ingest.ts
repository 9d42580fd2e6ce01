/**
 * Ingest on the `/agent` namespace: authenticates agents, tells each what is already stored,
 * validates and dedupes snapshot batches by (node, bootId, seq), feeds the live model at once,
 * persists through the store and acknowledges cumulatively only what is stored. Also the way
 * commands reach an agent.
 */
import type { Namespace, Socket } from 'socket.io';
import { agentHelloSchema } from '../../protocol/agent.ts';
import type {
  AgentConnectErrorData,
  AgentHello,
  AgentToServerEvents,
  ServerToAgentEvents,
  SnapshotAck,
  Welcome,
} from '../../protocol/agent.ts';
import type { CommandAck, ControlCommandInput } from '../../protocol/control.ts';
import { commandAckSchema } from '../../protocol/control.ts';
import type { ModelEvent } from '../../protocol/model.ts';
import type { Snapshot } from '../../protocol/telemetry.ts';
import type { MetricsRegistry } from '../metrics/registry.ts';
import type { EventFeed } from '../model/event-feed.ts';
import type { LiveModel } from '../model/live-model.ts';
import type { TrafficWindow } from '../model/traffic-window.ts';
import { BoundedSeqs, MAX_TRACKED_NODES } from './bounds.ts';
import type { IngestGate } from './gate.ts';
import { INGEST_COUNTERS, INGEST_LAG } from './ingest-metrics.ts';
import {
  AgentUnavailableError,
  type AgentConnection,
  type Ingest,
  type IngestStore,
} from './ports.ts';
import { UrgentTracker } from './urgent.ts';
import { checkBatch, checkHello, checkUrgent, type RejectReason } from './validate.ts';

export interface IngestOptions {
  /** the agent secret; each agent presents the credential derived from it for its node */
  readonly agentToken: string;
  /** the live model, or a stand-in that also mirrors changes to peer servers (server/multi) */
  readonly model: Pick<
    LiveModel,
    'agentConnected' | 'agentDisconnected' | 'applySnapshot' | 'applyUrgent' | 'read'
  >;
  readonly traffic: Pick<TrafficWindow, 'add' | 'drop'>;
  readonly store: IngestStore;
  readonly events: EventFeed;
  readonly metrics: MetricsRegistry;
  readonly now: () => number;
  readonly log?: (line: string) => void;
  /** nodes whose cursors and urgent dedupe are kept; default MAX_TRACKED_NODES */
  readonly maxTrackedNodes?: number;
  /** admission of snapshot batches under overload (./gate.ts); default: every batch at once */
  readonly gate?: Pick<IngestGate, 'admit'>;
}

interface SocketData {
  hello: AgentHello;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no server-side events
type NoEvents = {};
type AgentSocket = Socket<AgentToServerEvents, ServerToAgentEvents, NoEvents, SocketData>;
type AgentNamespace = Namespace<AgentToServerEvents, ServerToAgentEvents, NoEvents, SocketData>;

const key = (node: string, bootId: string) => `${node}\n${bootId}`;

/** Attaches ingest to the `/agent` namespace (its middleware replaces any token-only check). */
export function attachIngest(untyped: Namespace, options: IngestOptions): Ingest {
  const namespace = untyped as unknown as AgentNamespace;
  const { model, store, metrics } = options;
  const log = options.log ?? (() => {});
  const { received, stored, duplicates, rejected, storeErrors, connects, urgentReceived } =
    metrics.counters(INGEST_COUNTERS);
  const lag = metrics.gauge(...INGEST_LAG);
  const reject = (reason: RejectReason, n = 1) => rejected({ reason }, n);

  const maxNodes = options.maxTrackedNodes ?? MAX_TRACKED_NODES;
  /** urgent-event state of each node's current boot */
  const urgent = new Map<string, { bootId: string; tracker: UrgentTracker }>();
  const trackerOf = (node: string, bootId: string): UrgentTracker => {
    let entry = urgent.get(node);
    if (entry?.bootId !== bootId) {
      entry = { bootId, tracker: new UrgentTracker() };
      urgent.delete(node);
      if (urgent.size >= maxNodes) urgent.delete(urgent.keys().next().value!);
      urgent.set(node, entry);
    }
    return entry.tracker;
  };

  /** highest seq accepted per (node, bootId): stored, or being stored; bounded, with warnings */
  const accepted = new BoundedSeqs({ maxNodes, warn: log });
  const byNode = new Map<string, { id: symbol; kick: () => void; connection: AgentConnection }>();

  namespace.use((socket, next) => {
    const check = checkHello(socket.handshake.auth, options.agentToken);
    if (check.ok) {
      socket.data.hello = check.hello;
      next();
      return;
    }
    reject(check.reason);
    const error = new Error(check.message) as Error & { data: AgentConnectErrorData };
    error.data = { code: check.reason, message: check.message };
    next(error);
  });

  /**
   * One agent session, from the socket or in-process: registers its connection for commands,
   * tells the model and the timeline, and serialises its batches. `kick` ends the session's
   * transport when a newer one takes the name or the store cannot be read.
   */
  function openSession(
    hello: AgentHello,
    command: AgentConnection['command'],
    kick: () => void,
  ): {
    readonly id: symbol;
    readonly ready: Promise<Welcome | undefined>;
    submit(batch: unknown): Promise<SnapshotAck>;
    urgent(raw: unknown): void;
    closed(reason: string): void;
  } {
    const id = Symbol(hello.node);
    const k = key(hello.node, hello.bootId);
    connects();
    const connection: AgentConnection = {
      node: hello.node,
      bootId: hello.bootId,
      hidden: hello.hidden,
      capabilities: hello.capabilities,
      command,
    };
    const previous = byNode.get(hello.node);
    byNode.set(hello.node, { id, kick, connection });
    // Two live sessions for one node name: the newest wins, the old one is told to go. Both
    // proved the node's own credential (the middleware derives it from the name), so the newest
    // is that node again (a restart, a reconnect after a network cut), never another node.
    if (previous !== undefined && previous.id !== id) previous.kick();

    const at = options.now();
    model.agentConnected(hello, at);
    options.events.server(hello.node, {
      type: 'agent',
      at,
      action: 'connected',
      bootId: hello.bootId,
    });

    // Batches wait for the welcome's store read, so dedupe starts from what is really stored.
    const ready = store.storedSeq(hello.node, hello.bootId).then(
      (seq): Welcome => {
        accepted.set(k, Math.max(accepted.get(k) ?? 0, seq ?? 0));
        return { ackedSeq: seq, serverTime: options.now() };
      },
      (error: unknown) => {
        log(`ingest: cannot read stored seq of ${hello.node}: ${String(error)}`);
        // Without knowing what is stored we cannot dedupe; let the agent retry a new connection.
        kick();
        return undefined;
      },
    );

    let queue = Promise.resolve();
    return {
      id,
      ready,
      // One at a time per agent, in arrival order, so acks stay cumulative. Every batch is
      // answered, and a batch that throws must not stop the ones behind it.
      submit(batch) {
        const answer = queue.then(async (): Promise<SnapshotAck> => {
          if ((await ready) === undefined) {
            return {
              ok: false,
              ackedSeq: null,
              error: { code: 'unavailable', message: 'the store is unavailable; retry later' },
            };
          }
          // under overload a batch waits here (the agent holds the ones behind it)
          await options.gate?.admit(Array.isArray(batch) ? batch.length : 1);
          try {
            return await handleBatch(hello, batch);
          } catch (error) {
            log(`ingest: batch of ${hello.node} failed: ${String(error)}`);
            const acked = accepted.get(k) ?? 0;
            return {
              ok: false,
              ackedSeq: acked === 0 ? null : acked,
              error: { code: 'unavailable', message: 'the batch could not be processed; retry' },
            };
          }
        });
        queue = answer.then(() => undefined);
        return answer;
      },
      // Shown live at once; stored only with the snapshot that carries the same event later.
      urgent(raw) {
        const check = checkUrgent(raw, hello.node, hello.bootId);
        if (!check.ok) {
          reject(check.reason);
          return;
        }
        const { event, faults } = check.urgent;
        if (!trackerOf(hello.node, hello.bootId).accept(check.urgent)) {
          urgentReceived({ outcome: 'duplicate' });
          return;
        }
        urgentReceived({ outcome: 'applied' });
        model.applyUrgent(hello.node, hello.bootId, event, faults);
        options.events.publish([{ id: 0, at: event.at, node: hello.node, source: 'node', event }]);
      },
      closed(reason) {
        if (byNode.get(hello.node)?.id === id) byNode.delete(hello.node);
        const when = options.now();
        model.agentDisconnected(hello.node, hello.bootId, when);
        if (model.read().nodes.find((n) => n.name === hello.node)?.status === 'down') {
          options.traffic.drop(hello.node);
        }
        options.events.server(hello.node, {
          type: 'agent',
          at: when,
          action: 'disconnected',
          bootId: hello.bootId,
          reason,
        });
      },
    };
  }

  namespace.on('connection', (socket) => {
    const hello = socket.data.hello;
    const session = openSession(
      hello,
      (command, timeoutMs) => sendCommand(socket, hello.node, command, timeoutMs),
      () => socket.disconnect(true),
    );
    void session.ready.then((welcome) => {
      if (welcome !== undefined) socket.emit('welcome', welcome);
    });
    // Typed as the protocol says, but the payload is whatever the peer sent: validate everything.
    socket.on('snapshots', (batch: unknown, ack: unknown) => {
      void session.submit(batch).then((answer) => {
        if (typeof ack === 'function') (ack as (a: SnapshotAck) => void)(answer);
      });
    });
    socket.on('urgent', (raw: unknown) => session.urgent(raw));
    socket.on('disconnect', (reason) => session.closed(reason));
  });

  /** Applies fresh snapshots to the live model and traffic window and publishes their events. */
  function showLive(hello: AgentHello, fresh: readonly Snapshot[], at: number): void {
    const events: ModelEvent[] = [];
    const tracker = trackerOf(hello.node, hello.bootId);
    let replay: ReturnType<UrgentTracker['afterSnapshot']>['replay'] = [];
    for (const s of fresh) {
      model.applySnapshot(s, at);
      options.traffic.add(s);
      const after = tracker.afterSnapshot(s);
      replay = after.replay;
      for (const e of s.events) {
        if (e.eid !== undefined && after.shown.has(e.eid)) continue;
        events.push({ id: 0, at: e.at, node: s.node, source: 'node', event: e });
      }
    }
    // Urgent events newer than the last snapshot stay in force on top of it.
    for (const u of replay) model.applyUrgent(u.node, u.bootId, u.event, u.faults);
    options.events.publish(events);
  }

  async function handleBatch(hello: AgentHello, batch: unknown): Promise<SnapshotAck> {
    const k = key(hello.node, hello.bootId);
    const check = checkBatch(batch, hello.node, hello.bootId);
    if (check.rejected !== undefined) reject(check.rejected.reason, check.rejected.count);
    received({}, check.valid.length);
    const before = accepted.get(k) ?? 0;
    const fresh = check.valid.filter((s) => s.seq > before);
    duplicates({}, check.valid.length - fresh.length);
    if (fresh.length > 0) {
      accepted.set(k, fresh[fresh.length - 1]!.seq);
      const at = options.now();
      // The live view is best effort; what must not fail because of it is the store.
      try {
        showLive(hello, fresh, at);
      } catch (error) {
        log(`ingest: live model refused a batch of ${hello.node}: ${String(error)}`);
      }
      try {
        await store.persist(fresh, at);
        stored({}, fresh.length);
        const last = fresh[fresh.length - 1]!;
        lag.set(
          { node: hello.node },
          Math.max(0, (options.now() - (last.t * 1000 + last.intervalMs)) / 1000),
        );
      } catch (error) {
        storeErrors();
        accepted.set(k, before);
        log(`ingest: store failed for ${hello.node}: ${String(error)}`);
        return {
          ok: false,
          ackedSeq: before === 0 ? null : before,
          error: { code: 'unavailable', message: 'the store is unavailable; retry later' },
        };
      }
    }
    const ackedSeq = accepted.get(k) ?? 0;
    if (check.rejected !== undefined) {
      return {
        ok: false,
        ackedSeq: ackedSeq === 0 ? null : ackedSeq,
        error: { code: 'invalid', message: check.rejected.message },
      };
    }
    return { ok: true, ackedSeq };
  }

  metrics.onCollect(() => {
    const g = metrics.gauge('observatory_agents_connected', 'Agents connected to /agent');
    g.set({}, byNode.size);
    metrics
      .gauge('observatory_ingest_cursors', 'Dedupe cursors kept, one per (node, boot id); bounded')
      .set({}, accepted.size);
  });

  return {
    agent: (node) => byNode.get(node)?.connection,
    agents: () => [...byNode.values()].map((v) => v.connection),
    attachLocal(hello, handlers) {
      // In-process sources are trusted code of this server, but their hello is checked like any.
      const parsed = agentHelloSchema.parse(hello);
      let open = true;
      const session = openSession(
        parsed,
        (command, timeoutMs) => handlers.command(command, timeoutMs),
        () => {
          if (!open) return;
          open = false;
          session.closed('replaced');
          handlers.kicked?.();
        },
      );
      return {
        submit: (batch) =>
          open
            ? session.submit(batch)
            : Promise.resolve({
                ok: false,
                ackedSeq: null,
                error: { code: 'unavailable', message: 'this session was closed' },
              }),
        close(reason = 'closed') {
          if (!open) return;
          open = false;
          session.closed(reason);
        },
      };
    },
  };
}

function sendCommand(
  socket: AgentSocket,
  node: string,
  command: ControlCommandInput,
  timeoutMs: number,
): Promise<CommandAck> {
  if (!socket.connected) return Promise.reject(new AgentUnavailableError(node, 'is not connected'));
  return new Promise((resolve, reject) => {
    (socket as unknown as Socket)
      .timeout(timeoutMs)
      .emit('command', command, (error: Error | null, answer: unknown) => {
        if (error !== null) {
          reject(new AgentUnavailableError(node, `did not answer within ${timeoutMs} ms`));
          return;
        }
        const parsed = commandAckSchema.safeParse(answer);
        if (!parsed.success) {
          reject(new AgentUnavailableError(node, 'answered with a malformed ack'));
          return;
        }
        resolve(parsed.data);
      });
  });
}
