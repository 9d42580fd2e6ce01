/**
 * An attacker's tools for the attack tests (not part of the public API): raw sockets that speak
 * the frame format and nothing else. The attacks never build handshake messages from knowledge
 * of the protocol: they copy and edit what real nodes send, so they keep working whatever the
 * messages carry.
 */
import net from 'node:net';
import { encodeFrame } from '../wire/encoder.ts';
import { FrameParser } from '../wire/framing.ts';

export interface RawFrame {
  readonly kind: number;
  readonly body: Buffer;
}

/** One raw socket: frames in a queue, frames out as written. */
export class RawPeer {
  private readonly queue: RawFrame[] = [];
  private readonly waiting: ((f: RawFrame | null) => void)[] = [];
  closed = false;
  readonly ready: Promise<void>;

  constructor(readonly socket: net.Socket) {
    const parser = new FrameParser(1 << 30, (buf, start, end) => {
      const f = { kind: buf[start]!, body: Buffer.from(buf.subarray(start + 1, end)) };
      const w = this.waiting.shift();
      if (w !== undefined) w(f);
      else this.queue.push(f);
    });
    socket.on('data', (c: Buffer) => {
      try {
        parser.push(c);
      } catch {
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w(null);
    });
    this.ready = socket.connecting
      ? new Promise((resolve) => socket.once('connect', () => resolve()))
      : Promise.resolve();
  }

  static dial(port: number, localAddress?: string): RawPeer {
    return new RawPeer(net.connect({ host: '127.0.0.1', port, localAddress }));
  }

  /** The next frame, or null when the socket closed (or nothing came within `ms`). */
  next(ms = 3_000): Promise<RawFrame | null> {
    const f = this.queue.shift();
    if (f !== undefined) return Promise.resolve(f);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(done);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve(null);
      }, ms);
      const done = (x: RawFrame | null): void => {
        clearTimeout(timer);
        resolve(x);
      };
      this.waiting.push(done);
    });
  }

  send(kind: number, body?: Buffer | string): void {
    if (!this.socket.destroyed) this.socket.write(encodeFrame(kind, body));
  }

  sendJson(kind: number, value: unknown): void {
    this.send(kind, JSON.stringify(value));
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A listener whose accepted sockets come out as RawPeers, one at a time. */
export class RawListener {
  private readonly accepted: RawPeer[] = [];
  private readonly waiting: ((p: RawPeer) => void)[] = [];
  readonly all: RawPeer[] = [];
  private constructor(readonly server: net.Server) {
    server.on('connection', (s) => {
      const p = new RawPeer(s);
      this.all.push(p);
      const w = this.waiting.shift();
      if (w !== undefined) w(p);
      else this.accepted.push(p);
    });
  }

  static async open(): Promise<RawListener> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new RawListener(server);
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  accept(): Promise<RawPeer> {
    const p = this.accepted.shift();
    if (p !== undefined) return Promise.resolve(p);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  close(): void {
    for (const p of this.all) p.close();
    this.server.close();
  }
}

export function json(f: RawFrame | null): Record<string, unknown> {
  if (f === null) throw new Error('no frame');
  return JSON.parse(f.body.toString('utf8')) as Record<string, unknown>;
}

/** A value of the same type that differs from `v` (what a man in the middle writes instead). */
export function tamper(v: unknown): unknown {
  if (typeof v === 'boolean') return !v;
  if (typeof v === 'number') return v + 1;
  if (typeof v === 'string') {
    if (v.length === 0) return 'x';
    const last = v[v.length - 1];
    return v.slice(0, -1) + (last === 'A' ? 'B' : 'A');
  }
  if (v === null || v === undefined) return 'x';
  return null;
}
