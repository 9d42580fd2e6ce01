import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../cluster/fake-clock.ts';
import { ingestGate } from './gate.ts';

/** A gate on fake time and a load that the test sets; `yieldToIo` runs at once. */
function setup(busy = 0) {
  const clock = new FakeClock();
  const load = { value: busy, busy: () => load.value };
  const gate = ingestGate({
    clock,
    load,
    maxLoopBusy: 0.7,
    minSnapshotsPerS: 10,
    checkMs: 100,
    yieldToIo: (fn) => fn(),
  });
  const admitted: number[] = [];
  const admit = (id: number, n: number) => void gate.admit(n).then(() => admitted.push(id));
  return { clock, load, gate, admitted, admit };
}

const settle = () => new Promise<void>((r) => setImmediate(r));

describe('ingest gate', () => {
  it('ingest gate — batches pass at once while the loop is under its busy limit', async () => {
    const { gate, admitted, admit } = setup(0.5);
    for (let i = 0; i < 50; i++) admit(i, 60);
    await settle();
    expect(admitted).toHaveLength(50);
    expect(gate.waiting).toBe(0);
  });

  it('ingest gate — over the limit, batches wait in order and pass at the floor rate, all at once when the load drops', async () => {
    const { clock, load, gate, admitted, admit } = setup(0.95);
    // nothing passes before the floor rate has earned a snapshot's credit
    for (let i = 0; i < 5; i++) admit(i, 5);
    await settle();
    expect(admitted).toEqual([]);
    await clock.advanceAsync(1_000, 100);
    await settle();
    // 10 snapshots a second: two batches of 5 in the first second, in arrival order
    expect(admitted).toEqual([0, 1]);
    await clock.advanceAsync(1_000, 100);
    await settle();
    expect(admitted).toEqual([0, 1, 2, 3]);
    load.value = 0.2;
    await clock.advanceAsync(100, 100);
    await settle();
    expect(admitted).toEqual([0, 1, 2, 3, 4]);
    expect(gate.waiting).toBe(0);
  });

  it('ingest gate — one batch per turn of the loop, so I/O that arrived meanwhile is read between batches', async () => {
    const clock = new FakeClock();
    const turns: (() => void)[] = [];
    const gate = ingestGate({ clock, load: { busy: () => 0 }, yieldToIo: (fn) => turns.push(fn) });
    const admitted: number[] = [];
    for (let i = 0; i < 3; i++) void gate.admit(1).then(() => admitted.push(i));
    for (let turn = 1; turn <= 3; turn++) {
      expect(turns).toHaveLength(1);
      turns.shift()!();
      await settle();
      expect(admitted).toHaveLength(turn);
    }
    expect(turns).toHaveLength(0);
  });

  it('ingest gate — closing lets every waiting batch through (their answers must not hang)', async () => {
    const { gate, admitted, admit } = setup(1);
    for (let i = 0; i < 3; i++) admit(i, 60);
    await settle();
    expect(admitted).toEqual([]);
    gate.close();
    await settle();
    expect(admitted).toEqual([0, 1, 2]);
  });
});
