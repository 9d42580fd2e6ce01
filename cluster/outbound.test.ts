import { describe, expect, it } from 'vitest';
import { Outbound } from './outbound.ts';
import { encodeFrame } from './wire/encoder.ts';
import { Kind } from './wire/kinds.ts';

function setup(highWater = 200_000) {
  const writes: Buffer[][] = [];
  let buffered = 0;
  const tasks: (() => void)[] = [];
  const out = new Outbound(
    {
      writeBatch: (b) => writes.push(b),
      writeData: (b) => writes.push([b]),
      writableLength: () => buffered,
    },
    {
      fragmentBytes: 65536,
      highWaterBytes: highWater,
      slabBytes: 4096,
      schedule: (fn) => tasks.push(fn),
    },
  );
  const runTasks = () => tasks.splice(0).forEach((t) => t());
  return {
    out,
    writes,
    runTasks,
    setBuffered: (n: number) => (buffered = n),
    scheduled: () => tasks.length,
  };
}

/** kinds of the frames in a byte stream (fragments leave as header + views, not one buffer) */
function frameKinds(stream: Buffer): number[] {
  const kinds: number[] = [];
  for (let at = 0; at + 5 <= stream.length; at += 4 + stream.readUInt32BE(at))
    kinds.push(stream[at + 4]!);
  return kinds;
}

function sendSmall(out: Outbound, text: string): void {
  out.encoder.begin(Kind.SEND);
  out.encoder.utf8(text);
  out.dataEnded(out.encoder.end());
}

describe('outbound — send scheduling', () => {
  it('outbound — many small frames leave in one batch per turn, one flush scheduled', () => {
    const { out, writes, runTasks } = setup();
    for (let i = 0; i < 1000; i++) sendSmall(out, 'x');
    expect(writes).toHaveLength(0);
    runTasks();
    expect(writes).toHaveLength(1);
    expect(writes[0]!.reduce((n, b) => n + b.length, 0)).toBe(1000 * 6);
  });

  it('outbound — frames queued while flushes are held leave in one write at release, none scheduled', () => {
    const { out, writes, scheduled } = setup();
    out.holdFlushes();
    sendSmall(out, 'a');
    sendSmall(out, 'b');
    out.sendControl(encodeFrame(Kind.TICK));
    expect(writes).toHaveLength(0);
    out.releaseFlushes();
    expect(scheduled()).toBe(0);
    expect(writes).toHaveLength(1);
    expect(frameKinds(Buffer.concat(writes[0]!))).toEqual([Kind.TICK, Kind.SEND, Kind.SEND]);
    // outside a hold, the next frame schedules a flush again
    sendSmall(out, 'c');
    expect(scheduled()).toBe(1);
  });

  it('outbound — small data waits while the socket is full, then leaves in order after control', () => {
    const { out, writes, runTasks, setBuffered } = setup(100_000);
    setBuffered(150_000);
    sendSmall(out, 'a');
    runTasks();
    expect(writes).toHaveLength(0);
    sendSmall(out, 'b');
    out.sendControl(encodeFrame(Kind.TICK));
    runTasks();
    // the tick jumps the queue; the data still waits for room
    expect(writes.map((w) => w.map((b) => b[4]))).toEqual([[Kind.TICK]]);
    setBuffered(0);
    out.flush();
    const data = Buffer.concat(writes.slice(1).flat());
    expect(frameKinds(data)).toEqual([Kind.SEND, Kind.SEND]);
    expect(data.toString('latin1', 5, 6) + data.toString('latin1', 11, 12)).toBe('ab');
    expect(out.queuedItems).toBe(0);
  });

  it('outbound — control frames go ahead of queued data, and data waits for the socket', () => {
    const { out, writes, runTasks, setBuffered } = setup(100_000);
    out.encoder.begin(Kind.SEND);
    out.encoder.bytes(new Uint8Array(1_000_000));
    out.dataEnded(out.encoder.end());
    runTasks();
    // the first flush hands over about highWater bytes of fragments, not the whole message
    const first = writes[0]!.reduce((n, b) => n + b.length, 0);
    expect(first).toBeLessThan(200_000);
    setBuffered(150_000); // the socket is full: no more data until drain
    out.sendControl(encodeFrame(Kind.TICK));
    runTasks();
    expect(writes[1]!.map((b) => b[4])).toEqual([Kind.TICK]);
    setBuffered(0);
    let guard = 0;
    while (out.queuedItems > 0 && guard++ < 100) out.flush();
    const kinds = frameKinds(Buffer.concat(writes.slice(2).flat()));
    expect(kinds.length).toBeGreaterThan(0);
    expect(kinds.every((k) => k === Kind.FRAG_NEXT)).toBe(true);
    const total = writes.flat().reduce((n, b) => n + b.length, 0);
    expect(total).toBeGreaterThan(1_000_000);
  });
});
