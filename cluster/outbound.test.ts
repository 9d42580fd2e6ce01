import { describe, expect, it } from 'vitest';
import { Outbound } from './outbound.ts';
import { encodeFrame } from './wire/encoder.ts';
import { Kind } from './wire/kinds.ts';

function setup(highWater = 200_000, bulkWindowBytes?: number) {
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
      ...(bulkWindowBytes === undefined ? {} : { bulkWindowBytes }),
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

function sendSmall(out: Outbound, text: string, to?: string): void {
  out.encoder.begin(Kind.SEND);
  out.encoder.utf8(text);
  out.dataEnded(out.encoder.end(), 'send', to);
}

function sendBig(out: Outbound, bytes: number, to?: string): void {
  out.encoder.begin(Kind.SEND);
  out.encoder.bytes(new Uint8Array(bytes));
  out.dataEnded(out.encoder.end(), 'send', to);
}

/** Flushes with an empty socket until nothing is queued; the frame kinds in write order. */
function drainKinds(t: ReturnType<typeof setup>): number[] {
  t.setBuffered(0);
  let guard = 0;
  while (t.out.queuedItems > 0 && guard++ < 1000) t.out.flush();
  t.runTasks();
  return frameKinds(Buffer.concat(t.writes.flat()));
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

  it('outbound — a small message to another destination leaves before a fragmented one ends', () => {
    const t = setup(100_000);
    sendBig(t.out, 1_000_000, 'x');
    t.runTasks();
    sendSmall(t.out, 'y', 'y');
    const kinds = drainKinds(t);
    const small = kinds.indexOf(Kind.SEND);
    expect(small).toBeGreaterThan(0);
    // fragments before it and after it: it did not wait for the whole message
    expect(kinds.slice(small + 1)).toContain(Kind.FRAG_NEXT);
  });

  it('outbound — a small message to the same destination waits behind its fragmented message', () => {
    const t = setup(100_000);
    sendBig(t.out, 1_000_000, 'x');
    t.runTasks();
    sendSmall(t.out, 'a', 'x');
    sendSmall(t.out, 'b', 'y');
    const kinds = drainKinds(t);
    const stream = Buffer.concat(t.writes.flat());
    // the last frame is the one to x; the one to y went between fragments
    expect(kinds[kinds.length - 1]).toBe(Kind.SEND);
    expect(kinds.filter((k) => k === Kind.SEND)).toHaveLength(2);
    expect(stream.toString('latin1', stream.length - 1)).toBe('a');
    expect(kinds.indexOf(Kind.SEND)).toBeLessThan(kinds.length - 1);
  });

  it('outbound — a fragmented message starts only after the small data sent before it', () => {
    const t = setup(100_000);
    t.setBuffered(150_000); // full socket: everything queues
    for (let i = 0; i < 40; i++) sendSmall(t.out, 'z'.repeat(4000), 'q');
    t.out.flush();
    sendBig(t.out, 300_000, 'x');
    const kinds = drainKinds(t);
    expect(kinds.slice(0, 40).every((k) => k === Kind.SEND)).toBe(true);
    expect(kinds[40]).toBe(Kind.FRAG_FIRST);
  });

  it('outbound — a stream of small messages cannot starve a fragmented one', () => {
    const t = setup(100_000);
    sendBig(t.out, 500_000, 'x');
    for (let turn = 0; turn < 30; turn++) {
      // 800 KB of small messages a turn, more than the socket takes in the turn's flushes
      for (let i = 0; i < 200; i++) sendSmall(t.out, 'w'.repeat(4000), 'y');
      t.out.flush();
    }
    const kinds = frameKinds(Buffer.concat(t.writes.flat()));
    const fragments = kinds.filter((k) => k === Kind.FRAG_FIRST || k === Kind.FRAG_NEXT);
    expect(fragments.length).toBe(Math.ceil(500_006 / 65536));
  });

  it('outbound — fragments stop at the window until the receiver acknowledges them', () => {
    const t = setup(1_000_000, 200_000);
    sendBig(t.out, 1_000_000, 'x');
    t.runTasks();
    const sent = () => t.writes.flat().reduce((n, b) => n + b.length, 0);
    const first = sent();
    expect(first).toBeGreaterThanOrEqual(200_000);
    expect(first).toBeLessThan(200_000 + 65536 + 100);
    t.out.flush();
    expect(sent()).toBe(first); // the socket has room, the window has not
    t.out.acked(65536 + 9);
    t.runTasks();
    expect(sent()).toBeGreaterThan(first);
    const second = sent();
    t.out.resetWindow();
    t.runTasks();
    expect(sent()).toBeGreaterThanOrEqual(second + 200_000);
  });
});
