import { describe, expect, it } from 'vitest';
import { categoryOf, describeEvent, faultPeriods, mergeEvents, timelineDots } from './events.ts';
import { event } from './testing/fixtures.ts';

const applied = (at: number, node: string, id: string) =>
  event(at, node, {
    type: 'fault',
    at,
    action: 'applied',
    reason: 'command',
    id,
    kind: 'partition',
    peers: ['x@h'],
  });
const reverted = (at: number, node: string, id: string) =>
  event(at, node, {
    type: 'fault',
    at,
    action: 'reverted',
    reason: 'heal',
    id,
    kind: 'partition',
    peers: ['x@h'],
  });
const control = (at: number, node: string, action: string) =>
  event(at, node, { type: 'control', at, id: `c${at}`, action, ok: true });

describe('events', () => {
  it('events — describes a nodedown with the peer and the reason, short names', () => {
    const e = event(1, 'a@127.0.0.1', {
      type: 'nodedown',
      at: 1,
      node: 'b@127.0.0.1',
      hidden: false,
      reason: 'timeout',
    });
    expect(describeEvent(e)).toBe('a: nodedown b (timeout)');
    expect(categoryOf(e)).toBe('membership');
  });

  it('events — a fault reported by several nodes is one period from first apply to last revert', () => {
    const periods = faultPeriods(
      [
        applied(100, 'a', 'f1'),
        applied(120, 'b', 'f1'),
        reverted(500, 'a', 'f1'),
        reverted(530, 'b', 'f1'),
      ],
      [],
      1_000,
    );
    expect(periods).toEqual([
      { key: 'f1', from: 100, to: 530, label: 'partition', ongoing: false },
    ]);
  });

  it('events — a fault still active runs to now even if one node already reverted', () => {
    const periods = faultPeriods(
      [applied(100, 'a', 'f1'), reverted(200, 'a', 'f1')],
      [
        {
          id: 'f1',
          node: 'b',
          kind: 'partition',
          peers: [],
          appliedAt: 90,
          expiresAt: 5_000,
          timeLeftMs: 4_000,
        },
      ],
      1_000,
    );
    expect(periods).toEqual([
      { key: 'f1', from: 90, to: 1_000, label: 'partition', ongoing: true },
    ]);
  });

  it('events — a kill lasts until the restart of the same node', () => {
    const periods = faultPeriods(
      [control(10, 'n1', 'kill'), control(50, 'n1', 'restart'), control(60, 'n2', 'kill')],
      [],
      100,
    );
    expect(periods.map((p) => [p.label, p.from, p.to, p.ongoing])).toEqual([
      ['kill n1', 10, 50, false],
      ['kill n2', 60, 100, true],
    ]);
  });

  it('events — merging drops a live push that came back from the store with an id, keeps order, bounds length', () => {
    const live = event(5, 'a', { type: 'nodeup', at: 5, node: 'b', hidden: false });
    const stored = { ...live, id: 42 };
    const older = event(1, 'a', { type: 'nodeup', at: 1, node: 'c', hidden: false }, 7);
    expect(mergeEvents([older, stored], [live], 10).map((e) => e.at)).toEqual([1, 5]);
    expect(mergeEvents([older, stored], [], 1).map((e) => e.at)).toEqual([5]);
  });

  it('events — timeline marks group one lane per slice, keep their keys as the range slides', () => {
    const down = (at: number, by: string) =>
      event(at, by, { type: 'nodedown', at, node: 'n9', hidden: false, reason: 'timeout' });
    const peers = Array.from({ length: 31 }, (_, i) => down(10_500, `n${i}`));
    const events = [...peers, control(10_400, 'n9', 'kill'), down(55_000, 'n1')];
    const dots = timelineDots(events, 0, 60_000, 60);
    expect(dots.map((d) => [d.category, d.count])).toEqual([
      ['membership', 31],
      ['control', 1],
      ['membership', 1],
    ]);
    expect(dots[0]!.title.split('\n')).toHaveLength(4);
    expect(dots[0]!.title).toContain('… 28 more');
    const slid = timelineDots(events, 5_000, 65_000, 60);
    expect(slid.map((d) => d.key)).toEqual(dots.map((d) => d.key));
    expect(timelineDots(events, 20_000, 50_000, 30)).toEqual([]);
  });
});
