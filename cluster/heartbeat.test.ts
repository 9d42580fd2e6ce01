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

describe('ticker — one timer for every link of a node', () => {
  function link(clock: FakeClock, log: string[], name: string, T = 1000) {
    return new Heartbeat(T, clock, {
      sendTick: () => log.push(`${name} tick@${clock.monotonic()}`),
      timedOut: () => log.push(`${name} down@${clock.monotonic()}`),
      takeSentMark: () => false,
    });
  }

  it('ticker — links of one ticktime share one timer and tick in one pass', () => {
    const clock = new FakeClock();
    const log: string[] = [];
    const links = ['a', 'b', 'c'].map((n) => link(clock, log, n));
    clock.advance(100);
    links[0]!.start();
    clock.advance(60);
    links[1]!.start();
    links[2]!.start();
    expect(clock.pending).toBe(1);
    clock.advance(90); // 250: the first quarter-tick boundary
    for (const l of links) l.heard();
    expect(log).toEqual(['a tick@250', 'b tick@250', 'c tick@250']);
    for (const l of links) l.stop();
    expect(clock.pending).toBe(0);
  });

  it('ticker — passes fall on wall-clock multiples of ticktime/4, so the nodes of a host tick together', () => {
    const clock = new FakeClock(1_000_130);
    const log: string[] = [];
    const a = link(clock, log, 'a');
    a.start();
    clock.advance(120); // wall 1_000_250
    expect(log).toEqual(['a tick@1000250']);
    a.heard();
    // The wall clock steps: the pass already due stays where it is (no duration changes); the
    // one after it follows the new phase, never more than ticktime/4 away.
    clock.jumpWall(3_600_000 + 100);
    clock.advance(250);
    a.heard();
    clock.advance(150);
    expect(log).toEqual(['a tick@1000250', 'a tick@1000500', 'a tick@1000650']);
    a.stop();
  });

  it('ticker — a silent link is down a ticktime after its last frame while its neighbours tick on', () => {
    const clock = new FakeClock();
    const log: string[] = [];
    const quiet = link(clock, log, 'quiet');
    const busy = link(clock, log, 'busy');
    quiet.start();
    busy.start();
    clock.advance(300);
    quiet.heard(); // quiet's last frame at 300
    for (let t = 300; t < 1300; t += 100) {
      busy.heard();
      clock.advance(100);
    }
    expect(log.filter((l) => l.includes('down'))).toEqual(['quiet down@1300']);
    expect(log.filter((l) => l.startsWith('busy tick'))).toEqual([
      'busy tick@250',
      'busy tick@500',
      'busy tick@750',
      'busy tick@1000',
      'busy tick@1250',
    ]);
    busy.stop();
    expect(clock.pending).toBe(0);
  });
});
