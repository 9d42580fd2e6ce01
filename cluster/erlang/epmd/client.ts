/** EPMD client: registration held for the node's life, port lookups and name listings. */
import { connect, type Socket } from 'node:net';
import { EpmdError } from '../errors.ts';
import {
  alive2Request,
  namesRequest,
  parseAlive2Response,
  parseNamesResponse,
  parsePort2Response,
  portPlease2Request,
  type NodeEntry,
} from './protocol.ts';

export interface EpmdAddress {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
}

/** A live registration: closing it (or the node dying) unregisters the name. */
export interface EpmdRegistration {
  readonly creation: number;
  close(): void;
  /** called if EPMD drops the registration while the node still runs */
  onLost(listener: () => void): void;
}

function open(addr: EpmdAddress): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: addr.host, port: addr.port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(
        new EpmdError(`EPMD at ${addr.host}:${addr.port} did not answer in ${addr.timeoutMs} ms`),
      );
    }, addr.timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.setNoDelay(true);
      resolve(s);
    });
    s.once('error', (cause) => {
      clearTimeout(timer);
      reject(new EpmdError(`no EPMD at ${addr.host}:${addr.port}`, { cause }));
    });
  });
}

/** Sends `request` on a fresh connection and returns everything read until EPMD closes it. */
async function oneShot(addr: EpmdAddress, request: Buffer): Promise<Buffer> {
  const s = await open(addr);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      reject(new EpmdError('EPMD reply timed out'));
    }, addr.timeoutMs);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.once('error', (cause) => {
      clearTimeout(timer);
      reject(new EpmdError('EPMD connection failed', { cause }));
    });
    s.once('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    s.write(request);
  });
}

/** ALIVE2_REQ: registers `entry`; the returned registration keeps the connection open. */
export async function registerNode(addr: EpmdAddress, entry: NodeEntry): Promise<EpmdRegistration> {
  const s = await open(addr);
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    let done = false;
    const lost: (() => void)[] = [];
    let closing = false;
    const fail = (e: Error) => {
      if (done) return;
      done = true;
      s.destroy();
      reject(e);
    };
    const timer = setTimeout(
      () => fail(new EpmdError('EPMD did not answer ALIVE2_REQ')),
      addr.timeoutMs,
    );
    s.on('data', (c: Buffer) => {
      if (done) return;
      buffered = Buffer.concat([buffered, c]);
      const r = parseAlive2Response(buffered);
      if (r === undefined) return;
      clearTimeout(timer);
      if (r === 'garbage') return fail(new EpmdError('garbage from EPMD'));
      if (r.result !== 0)
        return fail(new EpmdError(`EPMD refused the name ${JSON.stringify(entry.name)} (in use?)`));
      done = true;
      resolve({
        creation: r.creation,
        close: () => {
          closing = true;
          s.destroy();
        },
        onLost: (l) => lost.push(l),
      });
    });
    s.on('error', () => {});
    s.once('close', () => {
      clearTimeout(timer);
      if (!done) return fail(new EpmdError('EPMD closed the registration'));
      if (!closing) for (const l of lost) l();
    });
    s.write(alive2Request(entry));
  });
}

/** PORT_PLEASE2_REQ: where `name` listens, or `null` when EPMD does not know it. */
export async function lookupNode(addr: EpmdAddress, name: string): Promise<NodeEntry | null> {
  const r = parsePort2Response(await oneShot(addr, portPlease2Request(name)));
  if (r === 'garbage') throw new EpmdError('garbage from EPMD for PORT_PLEASE2_REQ');
  return r;
}

/** NAMES_REQ: the names EPMD has registered and their ports. */
export async function listNames(addr: EpmdAddress): Promise<{ name: string; port: number }[]> {
  const r = parseNamesResponse(await oneShot(addr, namesRequest()));
  if (r === 'garbage') throw new EpmdError('garbage from EPMD for NAMES_REQ');
  return r.nodes;
}
