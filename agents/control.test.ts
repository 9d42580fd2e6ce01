import { describe, expect, it, vi } from 'vitest';
import type { NodeEvent } from '../protocol/telemetry.ts';
import { ControlExecutor } from './control.ts';
import { FakeClock, FakeFaults } from './testing/index.ts';

function setup(onKill?: () => void) {
  const clock = new FakeClock(1_700_000_000_000);
  const faults = new FakeFaults();
  const events: NodeEvent[] = [];
  const executor = new ControlExecutor({
    self: 'a@h',
    faults,
    clock,
    emit: (e) => events.push(e),
    ...(onKill !== undefined && { onKill }),
  });
  return { clock, faults, events, executor };
}

const partition = (id: string, peers: string[], ttlMs = 10_000) => ({
  id,
  type: 'partition',
  args: { peers },
  ttlMs,
});

describe('agents/control', () => {
  it('control — partition blackholes the peers and reverts itself when its ttl is up', () => {
    const { clock, faults, events, executor } = setup();
    const ack = executor.execute(partition('p1', ['b@h', 'c@h'], 5_000));
    expect(ack).toEqual({
      id: 'p1',
      ok: true,
      appliedAt: clock.now(),
      expiresAt: clock.now() + 5_000,
    });
    expect([...faults.holes].sort()).toEqual(['b@h', 'c@h']);
    expect(executor.list()).toHaveLength(1);
    clock.advance(4_999);
    expect(faults.holes.size).toBe(2);
    clock.advance(1);
    expect(faults.holes.size).toBe(0);
    expect(executor.list()).toHaveLength(0);
    expect(
      events
        .filter((e) => e.type === 'fault')
        .map((e) => e.type === 'fault' && `${e.action}:${e.reason}`),
    ).toEqual(['applied:command', 'reverted:ttl']);
  });

  it('control — repeating a command id is harmless and returns the first answer', () => {
    const { clock, faults, executor } = setup();
    const first = executor.execute(partition('p1', ['b@h'], 5_000));
    clock.advance(1_000);
    const again = executor.execute(partition('p1', ['b@h'], 5_000));
    expect(again).toEqual({ ...first, repeated: true });
    expect(faults.calls).toEqual(['blackhole b@h']);
    clock.advance(4_000);
    // The ttl runs from the first application, not from the repeat.
    expect(faults.holes.size).toBe(0);
  });

  it('control — a reused id with a different body is refused without effect', () => {
    const { faults, executor } = setup();
    executor.execute(partition('p1', ['b@h']));
    const ack = executor.execute(partition('p1', ['c@h']));
    expect(ack.ok).toBe(false);
    expect(ack.error?.code).toBe('duplicate_conflict');
    expect([...faults.holes]).toEqual(['b@h']);
  });

  it('control — overlapping partitions keep a peer cut until both are gone', () => {
    const { clock, faults, executor } = setup();
    executor.execute(partition('long', ['b@h'], 10_000));
    executor.execute(partition('short', ['b@h', 'c@h'], 2_000));
    clock.advance(2_000);
    expect([...faults.holes]).toEqual(['b@h']);
    clock.advance(8_000);
    expect(faults.holes.size).toBe(0);
  });

  it('control — latency is set per peer and cleared at expiry', () => {
    const { clock, faults, executor } = setup();
    const ack = executor.execute({
      id: 'l1',
      type: 'latency',
      args: { peers: ['b@h'], delayMs: 80, jitterMs: 5 },
      ttlMs: 3_000,
    });
    expect(ack.ok).toBe(true);
    expect(faults.latency.get('b@h')).toEqual({ delayMs: 80, jitterMs: 5 });
    expect(executor.list()[0]).toMatchObject({ kind: 'latency', delayMs: 80, jitterMs: 5 });
    clock.advance(3_000);
    expect(faults.latency.size).toBe(0);
  });

  it('control — heal with peers removes only those; heal without peers clears everything', () => {
    const { faults, executor, events } = setup();
    executor.execute(partition('p1', ['b@h', 'c@h']));
    expect(executor.execute({ id: 'h1', type: 'heal', args: { peers: ['b@h'] } }).ok).toBe(true);
    expect([...faults.holes]).toEqual(['c@h']);
    expect(executor.list()[0]!.peers).toEqual(['c@h']);
    expect(executor.execute({ id: 'h2', type: 'heal' })).toMatchObject({
      ok: true,
      expiresAt: null,
    });
    expect(faults.holes.size).toBe(0);
    expect(faults.calls).toContain('clear');
    expect(executor.list()).toHaveLength(0);
    expect(events.some((e) => e.type === 'fault' && e.reason === 'heal')).toBe(true);
  });

  it('control — revertAll (server unreachable) reverts every fault', () => {
    const { faults, executor, events } = setup();
    executor.execute(partition('p1', ['b@h']));
    executor.execute({
      id: 'l1',
      type: 'latency',
      args: { peers: ['c@h'], delayMs: 10 },
      ttlMs: 9_000,
    });
    executor.revertAll('unreachable');
    expect(faults.holes.size).toBe(0);
    expect(faults.latency.size).toBe(0);
    expect(events.filter((e) => e.type === 'fault' && e.reason === 'unreachable')).toHaveLength(2);
  });

  it('control — bad commands get a clear error ack and change nothing', () => {
    const { faults, executor } = setup();
    const cases: [unknown, string][] = [
      [{ id: 'x1', type: 'reboot' }, 'type'],
      [{ id: 'x2', type: 'partition', args: { peers: ['b@h'] } }, 'ttlMs'],
      ['garbage', '(root)'],
      [{ id: 'x3', type: 'partition', args: { peers: ['a@h'] }, ttlMs: 100 }, 'this node'],
    ];
    for (const [command, mention] of cases) {
      const ack = executor.execute(command);
      expect(ack.ok).toBe(false);
      expect(ack.error?.code).toBe('bad_command');
      expect(ack.error?.message).toContain(mention);
    }
    expect(executor.execute({ id: 'x1', type: 'reboot' }).id).toBe('x1');
    expect(faults.calls).toEqual([]);
  });

  it('control — a fault the runtime refuses is acked as fault_failed and rolled back', () => {
    const { faults, executor } = setup();
    faults.failOn = 'c@h';
    const ack = executor.execute(partition('p1', ['b@h', 'c@h']));
    expect(ack).toMatchObject({ ok: false, error: { code: 'fault_failed' } });
    expect(faults.holes.size).toBe(0);
    expect(executor.list()).toHaveLength(0);
  });

  it('control — kill acks first, then calls onKill once, even when repeated', () => {
    const onKill = vi.fn();
    const { clock, executor } = setup(onKill);
    expect(executor.execute({ id: 'k1', type: 'kill' })).toMatchObject({
      ok: true,
      expiresAt: null,
    });
    expect(onKill).not.toHaveBeenCalled();
    clock.advance(200);
    expect(executor.execute({ id: 'k1', type: 'kill' }).repeated).toBe(true);
    clock.advance(200);
    expect(onKill).toHaveBeenCalledTimes(1);
  });

  it('control — kill without an onKill handler is unsupported', () => {
    const { executor } = setup();
    expect(executor.execute({ id: 'k1', type: 'kill' })).toMatchObject({
      ok: false,
      error: { code: 'unsupported' },
    });
  });
});
