/**
 * An EPMD for BEAM nodes whose distribution goes through the proxy: it registers nodes as `epmd`
 * does (a registration lasts as long as its connection), but PORT_PLEASE2 and NAMES answer with
 * the port of the node's proxy listener instead of the node's own port. EPMD requests carry no
 * caller name, and need none: the proxy learns who connects from the first handshake message.
 */
import { createServer, type Server, type Socket } from 'node:net';
import {
  alive2XResponse,
  namesResponse,
  parseRequest,
  port2Response,
  type NodeEntry,
} from '../../../cluster/erlang/epmd/protocol.ts';

export interface Registration {
  /** the node's registered (short) name */
  readonly alive: string;
  /** its distribution port on `host` */
  readonly port: number;
  /** where it registered from: the host its distribution listens on */
  readonly host: string;
  readonly entry: NodeEntry;
}

export interface ProxyEpmdHooks {
  /** a node registered: answers the port its peers are to use (its proxy listener) */
  registered(r: Registration): Promise<number>;
  /** its registration ended (the node stopped, or its EPMD connection broke) */
  unregistered(alive: string): void;
}

export interface ProxyEpmd {
  readonly port: number;
  close(): Promise<void>;
}

// A request is a few hundred bytes at most; anything longer is not EPMD talking.
const MAX_REQUEST_BYTES = 4096;

export function startProxyEpmd(opts: {
  host: string;
  port: number;
  hooks: ProxyEpmdHooks;
}): Promise<ProxyEpmd> {
  const nodes = new Map<string, { entry: NodeEntry; socket: Socket }>();
  const sockets = new Set<Socket>();
  let creation = 1 + Math.floor(Math.random() * 0x7ffffffe);
  let listenPort = opts.port;

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    let registered: string | undefined;
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      if (registered !== undefined && nodes.get(registered)?.socket === socket) {
        nodes.delete(registered);
        opts.hooks.unregistered(registered);
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
          if (registered !== undefined || nodes.has(name) || name === '' || name.includes('@')) {
            socket.end(alive2XResponse(1, 0));
            return;
          }
          registered = name;
          creation = (creation % 0x7fffffff) + 1;
          const host = normalizeHost(socket.remoteAddress);
          // Held while the proxy listener opens, so that a lookup never sees the real port.
          socket.pause();
          opts.hooks
            .registered({ alive: name, port: r.entry.port, host, entry: r.entry })
            .then((proxyPort) => {
              if (socket.destroyed) return opts.hooks.unregistered(name);
              nodes.set(name, { entry: { ...r.entry, port: proxyPort }, socket });
              socket.write(alive2XResponse(0, creation));
              socket.resume();
            })
            .catch(() => socket.end(alive2XResponse(1, 0)));
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
      listenPort = (server.address() as { port: number }).port;
      resolve({
        port: listenPort,
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
