import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dial, directWriter, listen, readFrom, type Listener, type Socket } from './transport.ts';
import { until } from './testing/index.ts';

let listener: Listener | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await listener?.close();
  listener = undefined;
});

/** A listener whose accepted sockets are handed to `accepted`, and one dialed socket to it. */
async function pair(): Promise<{ dialed: Socket; accepted: Promise<Socket> }> {
  let got: (s: Socket) => void = () => {};
  const accepted = new Promise<Socket>((resolve) => (got = resolve));
  listener = await listen('127.0.0.1', 0, undefined, (s) => {
    sockets.push(s);
    got(s);
  });
  const dialed = await dial('127.0.0.1', listener.port, undefined);
  sockets.push(dialed);
  return { dialed, accepted };
}

describe('transport — direct writes and reads past the stream layer', () => {
  it('transport — a direct write reaches the peer in order after stream writes', async () => {
    const { dialed, accepted } = await pair();
    const peer = await accepted;
    const got: number[] = [];
    readFrom(peer, (chunk, n) => got.push(...chunk.subarray(0, n)));
    dialed.write(Buffer.from([1, 2, 3]));
    await until(() => dialed.writableLength === 0, 2_000, 'the stream write to leave');
    const write = directWriter(dialed);
    expect(write).not.toBeNull();
    expect(write!(Buffer.from([4, 5]))).toBe(true);
    await until(() => got.length === 5, 2_000, 'five bytes');
    expect(got).toEqual([1, 2, 3, 4, 5]);
  });

  it('transport — a direct write on a destroyed socket never reaches a file that reused its descriptor', async () => {
    const { dialed } = await pair();
    const fd = (dialed as unknown as { _handle: { fd: number } })._handle.fd;
    const write = directWriter(dialed)!;
    dialed.destroy();
    await new Promise((r) => setImmediate(r));
    // the lowest free descriptor is handed out first: the socket's, now closed
    const dir = mkdtempSync(join(tmpdir(), 'direct-write-'));
    const file = join(dir, 'victim');
    const opened = openSync(file, 'w+');
    try {
      expect(opened).toBe(fd);
      expect(write(Buffer.from('tick!'))).toBe(false);
      expect(readFileSync(file, 'utf8')).toBe('');
    } finally {
      closeSync(opened);
    }
  });

  it('transport — accepted sockets read into the one shared buffer, as dialed ones do', async () => {
    const { dialed, accepted } = await pair();
    const peer = await accepted;
    const sharedA = readFrom(peer, () => {});
    const sharedD = readFrom(dialed, () => {});
    expect(sharedA).not.toBeNull();
    expect(sharedA).toBe(sharedD);
  });

  it('transport — a listener closes once its adopted connections have closed', async () => {
    const { dialed, accepted } = await pair();
    const peer = await accepted;
    let closed = false;
    const closing = listener!.close().then(() => (closed = true));
    listener = undefined;
    await new Promise((r) => setTimeout(r, 50));
    // the server still counts the adopted connection
    expect(closed).toBe(false);
    dialed.destroy();
    peer.destroy();
    await closing;
    expect(closed).toBe(true);
  });

  it('transport — bytes a peer sends at once after connecting are not lost by the adoption', async () => {
    let got: (s: Socket) => void = () => {};
    const accepted = new Promise<Socket>((resolve) => (got = resolve));
    listener = await listen('127.0.0.1', 0, undefined, (s) => {
      sockets.push(s);
      got(s);
    });
    const raw = netConnect(listener.port, '127.0.0.1');
    raw.write(Buffer.from('hello'));
    const peer = await accepted;
    let text = '';
    readFrom(peer, (chunk, n) => (text += chunk.subarray(0, n).toString()));
    await until(() => text === 'hello', 2_000, 'the early bytes');
    raw.destroy();
  });
});
