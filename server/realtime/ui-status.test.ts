import { describe, expect, it } from 'vitest';
import type { UiStatus } from '../../protocol/ui.ts';
import { FakeClock } from '../../cluster/fake-clock.ts';
import { publishUiStatus, takeUiStatus } from './ui-status.ts';

function fakeClock(start: number) {
  const clock = new FakeClock(start);
  return { clock, advance: (ms: number) => clock.advance(ms) };
}

describe('ui status', () => {
  it('ui status — reports uptime since start and the live agent count', () => {
    const { clock, advance } = fakeClock(10_000);
    let agents = 0;
    const source = {
      bootId: 'b',
      version: 'v',
      startedAt: 10_000,
      clock,
      agentsConnected: () => agents,
    };
    advance(2_500);
    agents = 3;
    expect(takeUiStatus(source)).toEqual({
      bootId: 'b',
      version: 'v',
      uptimeMs: 2_500,
      agentsConnected: 3,
      at: 12_500,
    });
  });

  it('ui status — pushes once per interval until stopped', () => {
    const { clock, advance } = fakeClock(0);
    const pushed: UiStatus[] = [];
    const source = { bootId: 'b', version: 'v', startedAt: 0, clock, agentsConnected: () => 0 };
    const stop = publishUiStatus(source, 1_000, (s) => pushed.push(s));
    advance(3_500);
    expect(pushed.map((s) => s.uptimeMs)).toEqual([1_000, 2_000, 3_000]);
    stop();
    advance(5_000);
    expect(pushed).toHaveLength(3);
  });
});
