import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { TlsOptions } from './api.ts';

/** The only module that touches node:net / node:tls. Sockets come out ready for framing. */

export type Socket = net.Socket;

export interface Listener {
  readonly port: number;
  close(): Promise<void>;
}

function tlsMaterial(opts: TlsOptions): { cert: Buffer; key: Buffer; ca: Buffer } {
  return {
    cert: readFileSync(opts.certFile),
    key: readFileSync(opts.keyFile),
    ca: readFileSync(opts.caFile),
  };
}

function prepare(socket: Socket): Socket {
  socket.setNoDelay(true);
  return socket;
}

/** Listens on host:port (0 = ephemeral); `onSocket` gets each accepted connection. */
export async function listen(
  host: string,
  port: number,
  tlsOptions: TlsOptions | undefined,
  onSocket: (socket: Socket) => void,
): Promise<Listener> {
  const server =
    tlsOptions === undefined
      ? net.createServer((s) => onSocket(prepare(s)))
      : tls.createServer(
          { ...tlsMaterial(tlsOptions), requestCert: true, rejectUnauthorized: true },
          (s) => onSocket(prepare(s)),
        );
  if (tlsOptions !== undefined) {
    // a failed TLS handshake must not crash the node: just drop that connection
    (server as tls.Server).on('tlsClientError', (_err: Error, socket: tls.TLSSocket) =>
      socket.destroy(),
    );
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const actual = typeof addr === 'object' && addr !== null ? addr.port : port;
  return {
    port: actual,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Opens a connection; resolves once TCP (and TLS, if configured) is established. */
export function dial(
  host: string,
  port: number,
  tlsOptions: TlsOptions | undefined,
  signal?: AbortSignal,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket =
      tlsOptions === undefined
        ? net.connect({ host, port })
        : tls.connect({
            host,
            port,
            ...tlsMaterial(tlsOptions),
            // identity is proven by the CA-signed certificate plus the cookie, not by host names
            checkServerIdentity: () => undefined,
          });
    const onAbort = (): void => {
      socket.destroy();
      reject(new Error('connect aborted', { cause: signal?.reason }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', (err: Error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    socket.once(tlsOptions === undefined ? 'connect' : 'secureConnect', () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(prepare(socket));
    });
  });
}
