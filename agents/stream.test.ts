import { describe, expect, it } from 'vitest';
import { SnapshotBuffer } from './buffer.ts';
import { Streamer } from './stream.ts';
import { FakeClock, FakeTransport, emptySnapshot } from './testing/index.ts';

const snap = emptySnapshot;

function setup(maxSnapshots = 1_000) {
  const clock = new FakeClock(1_700_000_000_000);
  const transport = new FakeTransport();
  const buffer = new SnapshotBuffer({ maxSnapshots });
  const changes: boolean[] = [];
  const streamer = new Streamer({
    transport,
    buffer,
    clock,
    maxBatch: 10,
    onCommand: () => undefined,
    onConnectionChange: (c) => changes.push(c),
  });
  streamer.start();
  return { clock, transport, buffer, streamer, changes };
}

/** Acks everything in flight until the buffer is empty (bounded). */
function drain(transport: FakeTransport, received: number[]): void {
  for (let i = 0; i < 1_000 && transport.sent.length > 0; i++) {
    received.push(...transport.ackNext().map((s) => s.seq));
  }
}

describe('agents/stream', () => {
  it('stream — buffers while disconnected and replays in order, in batches, after welcome', () => {
    const { transport, buffer, streamer } = setup();
    for (let seq = 1; seq <= 25; seq++) streamer.enqueue(snap(seq));
    expect(transport.sent).toHaveLength(0);
    transport.handlers!.onConnect();
    expect(transport.sent).toHaveLength(0); // waits for welcome
    transport.handlers!.onWelcome({ ackedSeq: null, serverTime: 1 });
    expect(transport.sent).toHaveLength(1); // one batch in flight
    const received: number[] = [];
    drain(transport, received);
    expect(received).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(buffer.length).toBe(0);
  });

  it('stream — welcome ackedSeq skips what the server already has', () => {
    const { transport, streamer } = setup();
    for (let seq = 1; seq <= 8; seq++) streamer.enqueue(snap(seq));
    transport.connect(5);
    const received: number[] = [];
    drain(transport, received);
    expect(received).toEqual([6, 7, 8]);
  });

  it('stream — a disconnect mid-flight resends the unacknowledged batch; the late answer is ignored', () => {
    const { transport, streamer, buffer } = setup();
    transport.connect();
    streamer.enqueue(snap(1));
    const lost = transport.sent.shift()!;
    transport.disconnect();
    streamer.enqueue(snap(2));
    lost.done(new Error('disconnected')); // stale: must not trigger a send while down
    expect(transport.sent).toHaveLength(0);
    transport.connect(null);
    const received: number[] = [];
    drain(transport, received);
    expect(received).toEqual([1, 2]);
    expect(buffer.length).toBe(0);
  });

  it('stream — across a server restart: no gap and no duplicate', () => {
    const { transport, streamer } = setup();
    const stored: number[] = [];
    transport.connect();
    for (let seq = 1; seq <= 5; seq++) {
      streamer.enqueue(snap(seq));
      drain(transport, stored);
    }
    // Server stores 6 but dies before its ack arrives.
    streamer.enqueue(snap(6));
    stored.push(...transport.sent.shift()!.batch.map((s) => s.seq));
    transport.disconnect();
    for (let seq = 7; seq <= 20; seq++) streamer.enqueue(snap(seq));
    transport.connect(stored[stored.length - 1]);
    drain(transport, stored);
    expect(stored).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('stream — an ack timeout retries after a delay, not in a tight loop', () => {
    const { clock, transport, streamer } = setup();
    transport.connect();
    streamer.enqueue(snap(1));
    transport.sent.shift()!.done(new Error('operation has timed out'));
    expect(transport.sent).toHaveLength(0);
    clock.advance(1_000);
    expect(transport.sent).toHaveLength(1);
    expect(transport.sent[0]!.batch.map((s) => s.seq)).toEqual([1]);
  });

  it('stream — a batch refused as invalid is dropped so later snapshots flow', () => {
    const { transport, streamer, buffer } = setup();
    transport.connect();
    streamer.enqueue(snap(1));
    streamer.enqueue(snap(2));
    transport.sent
      .shift()!
      .done({ ok: false, ackedSeq: null, error: { code: 'invalid', message: 'bad' } });
    expect(streamer.rejectedSnapshots).toBe(1);
    const received: number[] = [];
    drain(transport, received);
    expect(received).toEqual([2]);
    expect(buffer.length).toBe(0);
  });

  it('stream — sends anyway when the server never says welcome', () => {
    const { clock, transport, streamer } = setup();
    streamer.enqueue(snap(1));
    transport.handlers!.onConnect();
    expect(transport.sent).toHaveLength(0);
    clock.advance(3_000);
    expect(transport.sent).toHaveLength(1);
  });

  it('stream — reports connection changes', () => {
    const { transport, changes } = setup();
    transport.connect();
    transport.disconnect();
    transport.disconnect();
    expect(changes).toEqual([true, false]);
  });
});
