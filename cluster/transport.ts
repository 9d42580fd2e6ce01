import { readFileSync, writeSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { TlsOptions } from './api.ts';

/** The only module that touches node:net / node:tls. Sockets come out ready for framing. */

export type Socket = net.Socket;

/** Receives the first `n` bytes of `chunk`, which may be overwritten once this returns. */
export type ChunkSink = (chunk: Buffer, n: number) => void;

/** Size of the read buffer (what Node's stream layer reads at most). */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * The one buffer every plain-TCP socket of the process reads into. A read is handed to its
 * connection synchronously and the connection copies whatever it keeps (see `readFrom`), so one
 * buffer serves all links: a node with 99 links does not hold 99 read buffers, nor allocate one
 * per read as the stream layer does.
 */
let sharedReadBuffer: Buffer | null = null;

/**
 * The reads of a plain-TCP socket. They go through `onread` into the shared buffer and straight
 * to the connection's parser, skipping Node's stream layer (a push, a 'data' event and a
 * next-tick read-more per chunk: about a sixth of a small RPC round trip's instructions, and
 * most of what an idle link's tick cost to receive). TLS sockets do not support it: they keep
 * 'data' events.
 */
class DirectReads {
  readonly buffer = (sharedReadBuffer ??= Buffer.allocUnsafeSlow(READ_BUFFER_BYTES));
  private sink: ChunkSink | null = null;
  /** chunks that arrived before a sink was attached (copied: the buffer is reused) */
  private early: Buffer[] = [];

  readonly onread = {
    buffer: this.buffer,
    callback: (n: number, buf: Uint8Array): boolean => {
      if (this.sink !== null) this.sink(buf as Buffer, n);
      else this.early.push(Buffer.from(buf.subarray(0, n)));
      return true;
    },
  };

  attach(sink: ChunkSink): void {
    this.sink = sink;
    for (const chunk of this.early) sink(chunk, chunk.length);
    this.early = [];
  }
}

const directReads = new WeakMap<Socket, DirectReads>();

/**
 * Starts delivering the socket's bytes to `sink`. Returns the ArrayBuffer that chunks are views of
 * when it is reused from read to read (anything kept from a chunk must then be copied), or null
 * when every chunk is a buffer of its own.
 */
export function readFrom(socket: Socket, sink: ChunkSink): ArrayBufferLike | null {
  const direct = directReads.get(socket);
  if (direct !== undefined) {
    direct.attach(sink);
    return direct.buffer.buffer;
  }
  socket.on('data', (chunk: Buffer) => sink(chunk, chunk.length));
  return null;
}

/** Writes a small frame at once; false when it could not (the caller then queues it). */
export type DirectWrite = (frame: Uint8Array) => boolean;

interface HandleWithFd {
  readonly fd?: number;
}

/**
 * A write that skips Node's stream machinery (Writable state, write request, after-write
 * callback): one `write(2)` on the socket's descriptor. Only for a few bytes on a plain-TCP
 * socket whose own queue is empty — the caller checks `writableLength === 0`, so nothing can be
 * overtaken. A tick written this way costs one system call and no allocation; through
 * `socket.write` it cost ~10× that in JavaScript run cold once a second (issue #20's profile).
 * Null for TLS sockets (bytes must be encrypted) and where a descriptor is not exposed.
 */
export function directWriter(socket: Socket): DirectWrite | null {
  if (socket instanceof tls.TLSSocket) return null;
  const fd = (socket as unknown as { _handle: HandleWithFd | null })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return null;
  return (frame) => {
    // `destroyed` is set before the handle (and its descriptor) is closed, so while it is false
    // the descriptor is still this socket's: a number reused by another file is never written
    // to. Read once: the handle's `fd` is a native accessor, a call per tick (issue #20)
    if (socket.destroyed) return false;
    let n: number;
    try {
      n = writeSync(fd, frame);
    } catch {
      // EAGAIN (the kernel's buffer is full) or a dead peer: the stream path queues or reports it
      return false;
    }
    // a partial write of a few bytes only happens on a full buffer: the rest goes in order
    if (n < frame.length) socket.write(frame.subarray(n));
    return true;
  };
}

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

/**
 * Whether the peer's certificate names `node` (`name@host`), binding a node name to its
 * certificate as `inet_tls_dist` with `verify_peer` and host checks does: a subjectAltName (DNS
 * or IP) or CN matching the host, or a CN equal to the full node name. A plain-TCP socket has
 * no certificate and passes (there the cookie alone authenticates).
 */
export function certifiedFor(socket: Socket, node: string): boolean {
  if (!(socket instanceof tls.TLSSocket)) return true;
  const cert = socket.getPeerCertificate();
  if (cert === null || Object.keys(cert).length === 0) return false;
  const cn: unknown = cert.subject?.CN;
  if (cn === node || (Array.isArray(cn) && cn.includes(node))) return true;
  const host = node.slice(node.lastIndexOf('@') + 1);
  return host !== '' && tls.checkServerIdentity(host, cert) === undefined;
}

/** What `adopt` needs of Node's socket internals (present since Node 12; checked at run time). */
interface SocketInternals {
  _handle: object | null;
  _server: net.Server | null;
  server: net.Server | null;
}

/**
 * An accepted plain-TCP socket, re-made around the same handle with `onread`, which Node offers
 * only to sockets it creates for `connect`. The server accepts paused (`pauseOnConnect`), so not a
 * byte was read before the new socket owns the handle; the server's connection count moves with
 * it, so `close()` still waits for it. Without those internals the socket keeps 'data' events.
 */
function adopt(accepted: Socket): Socket {
  const old = accepted as unknown as SocketInternals;
  const handle = old._handle;
  if (handle === null || typeof handle !== 'object' || !('readStart' in handle)) {
    accepted.resume();
    return accepted;
  }
  const direct = new DirectReads();
  const socket = new net.Socket({
    handle,
    onread: direct.onread,
    readable: true,
    writable: true,
  } as net.SocketConstructorOpts);
  const adopted = socket as unknown as SocketInternals;
  adopted._server = old._server;
  adopted.server = old.server;
  old._server = null;
  old._handle = null;
  directReads.set(socket, direct);
  return socket;
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
      ? net.createServer({ pauseOnConnect: true }, (s) => onSocket(prepare(adopt(s))))
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
    let direct: DirectReads | undefined;
    const socket =
      tlsOptions === undefined
        ? net.connect({ host, port, onread: (direct = new DirectReads()).onread })
        : tls.connect({
            host,
            port,
            ...tlsMaterial(tlsOptions),
            // a node may be dialled by any of its addresses: its certificate is checked against
            // the name it claims, in admission (`certifiedFor`), not against the dialled host
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
    if (direct !== undefined) directReads.set(socket, direct);
    socket.once(tlsOptions === undefined ? 'connect' : 'secureConnect', () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(prepare(socket));
    });
  });
}
