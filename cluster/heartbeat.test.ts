import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.ts';
import { Heartbeat } from './heartbeat.ts';

function setup(T = 1000) {
  const clock = new FakeClock();
  const log: string[] = [];
  let sent = false;
  const hb = new Heartbeat(T, clock, {
    sendTick: () => log.push(`tick@${clock.monotonic()}`),
    timedOut: () => log.push(`down@${clock.monotonic()}`),
    takeSentMark: () => {
      const s = sent;
      sent = false;
      return s;
    },
  });
  return { clock, log, hb, markSent: () => (sent = true) };
}

describe('heartbeat — net_ticktime semantics with fake time', () => {
  it('heartbeat — an idle link ticks every ticktime/4', () => {
    const { clock, log, hb } = setup(1000);
    hb.start();
    for (let i = 0; i < 3; i++) {
      clock.advance(250);
      hb.heard();
    }
    expect(log).toEqual(['tick@250', 'tick@500', 'tick@750']);
  });

  it('heartbeat — a wall clock jump of ±1 h neither downs a live link nor keeps a silent one up', () => {
    const HOUR = 3_600_000;
    const { clock, log, hb } = setup(1000);
    hb.start();
    clock.advance(600);
    hb.heard();
    clock.jumpWall(HOUR);
    expect(hb.silenceMs()).toBe(0);
    clock.advance(900);
    hb.heard();
    clock.jumpWall(-2 * HOUR);
    clock.advance(900);
    expect(log.filter((l) => l.startsWith('down'))).toEqual([]);
    // silent from 1500 on: down a whole ticktime later, whatever the wall clock did
    clock.advance(100);
    expect(log.filter((l) => l.startsWith('down'))).toEqual(['down@2500']);
  });

  it('heartbeat — a link that sent something in the interval does not tick', () => {
    const { clock, log, hb, markSent } = setup(1000);
    hb.start();
    markSent();
    clock.advance(250);
    hb.heard();
    clock.advance(250);
    expect(log).toEqual(['tick@500']);
  });

  it('heartbeat — silence for a whole ticktime is down, at ticktime and not before', () => {
    const { clock, log, hb } = setup(1000);
    hb.start();
    clock.advance(999);
    expect(log.filter((l) => l.startsWith('down'))).toEqual([]);
    clock.advance(1);
    expect(log.filter((l) => l.startsWith('down'))).toEqual(['down@1000']);
    clock.advance(5000);
    expect(log.filter((l) => l.startsWith('down'))).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('heartbeat — hearing the peer pushes the deadline to a ticktime after the last frame', () => {
    const { clock, log, hb } = setup(1000);
    hb.start();
    clock.advance(600);
    hb.heard(); // last frame at 600
    clock.advance(999);
    expect(log.some((l) => l.startsWith('down'))).toBe(false);
    clock.advance(1);
    expect(log.filter((l) => l.startsWith('down'))).toEqual(['down@1600']);
  });

  it('heartbeat — stop cancels every timer', () => {
    const { clock, log, hb } = setup(1000);
    hb.start();
    hb.stop();
    expect(clock.pending).toBe(0);
    clock.advance(10_000);
    expect(log).toEqual([]);
  });
});
