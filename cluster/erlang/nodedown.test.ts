/** Node loss seen by the TS node: SIGKILL at once, SIGSTOP within net_ticktime semantics. */
import { afterEach, describe, expect, it } from 'vitest';
import { formatTerm } from './format.ts';
import { startPair, type Pair } from './testing/fixture.ts';

const ERL = 'checker@127.0.0.1';
const TICKTIME_S = 2;

describe('erlang nodedown', () => {
  let p: Pair | undefined;
  afterEach(async () => {
    await p?.close();
    p = undefined;
  });

  it('nodedown — SIGKILL of erl is seen at once (connection_closed)', async () => {
    p = await startPair({}, TICKTIME_S);
    expect(await p.ts.ping(ERL)).toBe('pong');
    const down = p.ts.monitorNode(ERL);
    const t0 = performance.now();
    p.erl.kill('SIGKILL');
    expect(await down).toBe('connection_closed');
    expect(performance.now() - t0).toBeLessThan(TICKTIME_S * 1000);
  });

  it('nodedown — SIGSTOP of erl is seen within net_ticktime (timeout), not before', async () => {
    p = await startPair({}, TICKTIME_S);
    expect(formatTerm(await p.erl.eval("net_adm:ping('ts1@127.0.0.1')"))).toBe('{ok,pong}');
    const down = p.ts.monitorNode(ERL);
    const t0 = performance.now();
    p.erl.kill('SIGSTOP');
    expect(await down).toBe('timeout');
    const ms = performance.now() - t0;
    // net_ticktime semantics: declared down after 3/4..5/4 of a ticktime of silence (+ slack)
    expect(ms).toBeGreaterThan(TICKTIME_S * 1000 * 0.7);
    expect(ms).toBeLessThan(TICKTIME_S * 1000 * 2.5);
  });

  it('nodedown — a blackholed erl link times out on both sides after a ticktime, no close', async () => {
    p = await startPair({}, TICKTIME_S);
    expect(formatTerm(await p.erl.eval("net_adm:ping('ts1@127.0.0.1')"))).toBe('{ok,pong}');
    const down = p.ts.monitorNode(ERL);
    const erlSaw = p.erl.eval(
      "begin erlang:monitor_node('ts1@127.0.0.1', true), receive {nodedown, N} -> N after 15000 -> timeout end end",
      20_000,
    );
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    p.ts.faults.blackhole(ERL);
    // whichever side's ticker fires first: we time out, or erl times out and closes the socket
    expect(['timeout', 'connection_closed']).toContain(await down);
    expect(performance.now() - t0).toBeGreaterThan(TICKTIME_S * 1000 * 0.7);
    expect(formatTerm(await erlSaw)).toBe("{ok,'ts1@127.0.0.1'}");
    // while blackholed, erl cannot reconnect; after heal it can
    expect(formatTerm(await p.erl.eval("net_adm:ping('ts1@127.0.0.1')", 20_000))).toBe('{ok,pang}');
    p.ts.faults.unblackhole(ERL);
    expect(formatTerm(await p.erl.eval("net_adm:ping('ts1@127.0.0.1')"))).toBe('{ok,pong}');
  });
});
