/**
 * An embedded EPMD-compatible registry, for when no EPMD runs: real `erl` nodes and
 * `epmd -names` use it as they would use `epmd`. A registration lasts as long as its connection.
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
  names(): readonly NodeEntry[];
  close(): Promise<void>;
}

// A request is a few hundred bytes at most; anything longer is not EPMD talking.
const MAX_REQUEST_BYTES = 4096;

/** Listens on `host:port`; rejects (EADDRINUSE…) if it cannot. */
export function startEmbeddedEpmd(opts: {
  host: string;
  port: number;
  logger: Logger;
}): Promise<EmbeddedEpmd> {
  const nodes = new Map<string, { entry: NodeEntry; socket: Socket }>();
  const sockets = new Set<Socket>();
  let creation = randomInt(1, 2 ** 31);
  let listenPort = opts.port;

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
          if (registered !== undefined || nodes.has(r.entry.name) || r.entry.name === '') {
            socket.end(alive2XResponse(1, 0));
            return;
          }
          registered = r.entry.name;
          creation = (creation % 0x7fffffff) + 1;
          nodes.set(r.entry.name, { entry: r.entry, socket });
          opts.logger.debug('epmd: registered', { name: r.entry.name, port: r.entry.port });
          socket.write(alive2XResponse(0, creation));
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
