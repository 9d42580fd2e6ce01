/**
 * The BEAM distribution proxy: an EPMD whose lookups send every node's peers to a proxy listener
 * of that node, the listeners, and what they learn. Each connection a listener accepts is one
 * (source, destination) link: the destination is the listener's node, the source is the name in
 * the connection's first handshake message (checked by the destination with the cookie, so the
 * proxy trusts it as far as the destination does). Messages are counted per link and destination
 * into the agents' mergeable sketches; faults (cut, latency) are applied per pair, with a time
 * limit, through the same commands agents take.
 */
import { createServer, type Server } from 'node:net';
import type { Logger } from '../../../cluster/api.ts';
import { startEmbeddedEpmd, type RegisteringNode } from '../../../cluster/erlang/index.ts';
import { TrafficAggregator } from '../../../agents/traffic.ts';
import type { CommandAck, ControlCommandInput } from '../../../protocol/control.ts';
import type { ActiveFault, FrameRow, NodeEvent } from '../../../protocol/telemetry.ts';
import { ProxyFaults, type FaultClock } from './faults.ts';
import { Pipe } from './pipe.ts';

export interface BeamProxyOptions {
  /** where the EPMD and the proxy listeners listen (default 127.0.0.1) */
  readonly host?: string;
  /** the EPMD port the nodes get as ERL_EPMD_PORT (default 0: any free port) */
  readonly epmdPort?: number;
  readonly logger?: Logger;
  /** timers and wall clock of the faults' time limits (tests drive them) */
  readonly clock?: FaultClock;
  /** bytes a latency fault may hold per direction before the sender is paused */
  readonly latencyQueueBytes?: number;
}

/** One node's traffic and faults since the last call, in the agent snapshot's shapes. */
export interface BeamTraffic {
  /**
   * per (peer, channel, direction) rows, one count per message (a fragmented message counts once
   * with all its frames' bytes); a channel is a destination (`reg:NAME`, `pid:<0.N.S>`…)
   */
  readonly channels: FrameRow[];
  /** messages counted under the overflow row because there were too many distinct rows */
  readonly overflowFrames: number;
  /** the faults the proxy holds for this node now */
  readonly faults: ActiveFault[];
  /** fault applied/reverted events since the last call */
  readonly events: NodeEvent[];
}

/** What the control plane sees of a BEAM node: an agent that can cut, delay and heal. */
export interface ProxyAgent {
  readonly node: string;
  readonly bootId: string;
  readonly hidden: boolean;
  readonly capabilities: readonly string[];
  command(command: ControlCommandInput, timeoutMs: number): Promise<CommandAck>;
}

export interface BeamProxy {
  /** the EPMD port to give nodes as ERL_EPMD_PORT */
  readonly epmdPort: number;
  readonly host: string;
  /** One node's rows since the previous call (each call starts a new interval). */
  traffic(node: string): BeamTraffic;
  /** full names of the nodes seen in handshakes through the proxy */
  nodes(): string[];
  /** the proxy port peers use to reach `alive` (its registered name), if registered */
  proxyPort(alive: string): number | undefined;
  /** A control-plane agent for a BEAM node: partition, latency and heal act on its links. */
  agent(node: string): ProxyAgent | undefined;
  agents(): ProxyAgent[];
  readonly faults: ProxyFaults;
  /** proxied connections open now */
  connections(): number;
  close(): Promise<void>;
}

const CAPABILITIES = ['partition', 'heal', 'latency'] as const;
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

interface Listener {
  readonly server: Server;
  readonly port: number;
  registration: RegisteringNode | undefined;
}

export async function startBeamProxy(options: BeamProxyOptions = {}): Promise<BeamProxy> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? silent;
  const faults = new ProxyFaults(options.clock);
  const aggregators = new Map<string, TrafficAggregator>();
  const fullNames = new Map<string, string>();
  const known = new Set<string>();
  const listeners = new Map<string, Listener>();
  const pipes = new Set<Pipe>();
  const bootId = `beam-proxy-${Date.now().toString(36)}`;

  const aggregator = (node: string): TrafficAggregator => {
    let a = aggregators.get(node);
    if (a === undefined) {
      aggregators.set(node, (a = new TrafficAggregator()));
      known.add(node);
    }
    return a;
  };

  const record = (
    from: string,
    to: string,
    channel: string,
    bytes: number,
    frames: number,
  ): void => {
    // A fragmented message counts once, with the bytes of all its frames: its size on the wire.
    void frames;
    const c = channel as `${string}:${string}`;
    aggregator(from).record(to, c, 'out', bytes, 1);
    aggregator(to).record(from, c, 'in', bytes, 1);
  };

  const openListener = (r: RegisteringNode): Promise<number> => {
    const existing = listeners.get(r.name);
    if (existing !== undefined) {
      existing.registration = r;
      return Promise.resolve(existing.port);
    }
    const server = createServer({ allowHalfOpen: true }, (client) => {
      const l = listeners.get(r.name);
      if (l?.registration === undefined) return void client.destroy();
      const pipe = new Pipe(
        client,
        {
          faults,
          record,
          logger,
          alive: r.name,
          knownName: () => fullNames.get(r.name),
          learnName: (alive, full) => fullNames.set(alive, full),
          upstream: { host: l.registration.host, port: () => l.registration?.port },
          ...(options.latencyQueueBytes !== undefined && {
            latencyQueueBytes: options.latencyQueueBytes,
          }),
        },
        (p) => pipes.delete(p),
      );
      pipes.add(pipe);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => {
        server.off('error', reject);
        const port = (server.address() as { port: number }).port;
        listeners.set(r.name, { server, port, registration: r });
        logger.debug('beam proxy: listening for a node', { node: r.name, port, nodePort: r.port });
        resolve(port);
      });
    });
  };

  // The one EPMD of cluster/, with lookups answered by each node's proxy listener.
  const epmd = await startEmbeddedEpmd({
    host,
    port: options.epmdPort ?? 0,
    logger,
    hook: {
      registered: openListener,
      unregistered: (alive) => {
        // The listener stays (a restarted node gets the same proxy port); lookups fail meanwhile.
        const l = listeners.get(alive);
        if (l !== undefined) l.registration = undefined;
      },
    },
  });

  const agents = new Map<string, ProxyAgent>();
  const agentOf = (node: string): ProxyAgent => {
    let a = agents.get(node);
    if (a === undefined) {
      a = {
        node,
        bootId,
        hidden: false,
        capabilities: CAPABILITIES,
        command: (command) => Promise.resolve(faults.command(node, command)),
      };
      agents.set(node, a);
    }
    return a;
  };

  return {
    epmdPort: epmd.port,
    host,
    faults,
    traffic(node) {
      const a = aggregators.get(node);
      const { frames, overflowFrames } = a?.flush() ?? { frames: [], overflowFrames: 0 };
      return {
        channels: frames,
        overflowFrames,
        faults: faults.active(node),
        events: faults.takeEvents(node),
      };
    },
    nodes: () => [...known].filter((n) => n.includes('@')).sort(),
    proxyPort: (alive) => listeners.get(alive)?.port,
    agent: (node) => (known.has(node) ? agentOf(node) : undefined),
    agents: () => [...known].filter((n) => n.includes('@')).map(agentOf),
    connections: () => pipes.size,
    async close() {
      faults.clear();
      for (const p of [...pipes]) p.destroy();
      await epmd.close();
      await Promise.all(
        [...listeners.values()].map(
          (l) => new Promise<void>((done) => l.server.close(() => done())),
        ),
      );
    },
  };
}
