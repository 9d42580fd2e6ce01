/**
 * An embedded EPMD-compatible registry, for when no EPMD runs: real `erl` nodes and
 * `epmd -names` use it as they would use `epmd`. A registration lasts as long as its connection.
 * A caller may stand between registrations and lookups through a narrow hook (the observatory's
 * distribution proxy does, to answer lookups with the port of its own listener).
 */
import { randomInt } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../../api.ts';
import {
  alive2XResponse,
  namesResponse,
  parseRequest,
  port2Response,
  type NodeEntry,
} from './protocol.ts';

export interface EmbeddedEpmd {
  readonly port: number;
  /** the entries lookups answer (with the hook's ports, when there is a hook) */
  names(): readonly NodeEntry[];
  close(): Promise<void>;
}

/** A node asking to register, as the hook sees it. */
export interface RegisteringNode {
  /** its registered (short) name */
  readonly name: string;
  /** its own distribution port, on `host` */
  readonly port: number;
  /** the address its EPMD connection came from: where its distribution listens */
  readonly host: string;
  readonly entry: NodeEntry;
}

/** Stands between registrations and lookups. */
export interface EpmdRegistrationHook {
  /**
   * A node registers: resolves with the port lookups are to answer for it; a rejection refuses
   * the registration. The node's connection is held (nothing read, no answer) until it settles,
   * so no lookup ever sees the node's own port.
   */
  registered(node: RegisteringNode): Promise<number>;
  /** a registration the hook accepted ended (the node stopped, or its connection broke) */
  unregistered(name: string): void;
}

export interface EmbeddedEpmdOptions {
  readonly host: string;
  /** 0: any free port */
  readonly port: number;
  readonly logger: Logger;
  readonly hook?: EpmdRegistrationHook;
}

// A request is a few hundred bytes at most; anything longer is not EPMD talking.
const MAX_REQUEST_BYTES = 4096;

/** Listens on `host:port`; rejects (EADDRINUSE…) if it cannot. */
export function startEmbeddedEpmd(opts: EmbeddedEpmdOptions): Promise<EmbeddedEpmd> {
  const nodes = new Map<string, { entry: NodeEntry; socket: Socket }>();
  const sockets = new Set<Socket>();
  let creation = randomInt(1, 2 ** 31);
  let listenPort = opts.port;

  const accept = (socket: Socket, entry: NodeEntry): void => {
    nodes.set(entry.name, { entry, socket });
    creation = (creation % 0x7fffffff) + 1;
    opts.logger.debug('epmd: registered', { name: entry.name, port: entry.port });
    socket.write(alive2XResponse(0, creation));
  };

  const register = (socket: Socket, entry: NodeEntry): void => {
    const hook = opts.hook;
    if (hook === undefined) return accept(socket, entry);
    const node: RegisteringNode = {
      name: entry.name,
      port: entry.port,
      host: normalizeHost(socket.remoteAddress),
      entry,
    };
    socket.pause();
    hook.registered(node).then(
      (port) => {
        if (socket.destroyed) return hook.unregistered(entry.name);
        accept(socket, { ...entry, port });
        socket.resume();
      },
      () => socket.end(alive2XResponse(1, 0)),
    );
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    let registered: string | undefined;
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      if (registered !== undefined && nodes.get(registered)?.socket === socket) {
        nodes.delete(registered);
        opts.logger.debug('epmd: unregistered', { name: registered });
        opts.hook?.unregistered(registered);
      }
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length > MAX_REQUEST_BYTES) return void socket.destroy();
      const parsed = parseRequest(buffered);
      if (parsed === undefined) return;
      buffered = buffered.subarray(parsed.size);
      const r = parsed.request;
      switch (r.kind) {
        case 'alive2': {
          const name = r.entry.name;
          // a name with a host part is not a registered name: `erl` never sends one
          if (registered !== undefined || nodes.has(name) || name === '' || name.includes('@')) {
            socket.end(alive2XResponse(1, 0));
            return;
          }
          registered = name;
          register(socket, r.entry);
          return;
        }
        case 'port_please2':
          socket.end(port2Response(nodes.get(r.name)?.entry));
          return;
        case 'names':
          socket.end(
            namesResponse(
              listenPort,
              [...nodes.values()].map((n) => n.entry),
            ),
          );
          return;
        default:
          // dump, kill, stop and unknown requests: refused, as epmd does without -relaxed_command_check
          socket.end(Buffer.from('NO'));
      }
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      const addr = server.address();
      listenPort = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
      resolve({
        port: listenPort,
        names: () => [...nodes.values()].map((n) => n.entry),
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

function normalizeHost(address: string | undefined): string {
  if (address === undefined) return '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
