import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode, NodeDownEvent } from './api.ts';
import { FakeClock } from './fake-clock.ts';
import { startNode } from './index.ts';
import { closeAll, COOKIE, targetOf } from './testing/index.ts';

const nodes: ClusterNode[] = [];
afterEach(() => closeAll(nodes));

const turn = () => new Promise((r) => setImmediate(r));

describe('ticks — a real link driven by fake time', () => {
  it('ticks — an idle link ticks every quarter ticktime and times out after a whole one', async () => {
    const clock = new FakeClock();
    const a = await startNode({ name: 'a', cookie: COOKIE, clock, ticktimeMs: 1000 });
    const b = await startNode({ name: 'b', cookie: COOKIE, ticktimeMs: 60_000 });
    nodes.push(a, b);
    await a.connect(targetOf(b));
    await turn();
    let ticks = 0;
    a.instrumentation.onFrame(
      (_peer, channel, direction) => channel === 'tick' && direction === 'out' && ticks++,
    );
    const downs: NodeDownEvent[] = [];
    a.monitorNodes((e) => e.event === 'nodedown' && downs.push(e));
    // b never ticks within a's fake second (its own ticktime is a minute), so a hears nothing
    for (let t = 0; t < 990; t += 10) {
      clock.advance(10);
      await turn();
    }
    // the first quarter carried the mesh exchange, so no tick there; then one per quarter
    // (a tick must not count as traffic, or only every other quarter would tick)
    expect(ticks).toBe(2);
    expect(downs).toEqual([]);
    clock.advance(10);
    await turn();
    expect(downs.map((d) => d.reason)).toEqual(['timeout']);
  });

  it('ticks — a wall clock jump of ±1 h on a real link neither downs it nor hides its silence', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const a = await startNode({ name: 'a', cookie: COOKIE, clock, ticktimeMs: 1000 });
    const b = await startNode({ name: 'b', cookie: COOKIE, clock, ticktimeMs: 1000 });
    nodes.push(a, b);
    await a.connect(targetOf(b));
    await turn();
    const downs: NodeDownEvent[] = [];
    for (const n of [a, b]) n.monitorNodes((e) => e.event === 'nodedown' && downs.push(e));
    const run = async (ms: number) => {
      for (let t = 0; t < ms; t += 10) {
        clock.advance(10);
        // ticks cross real sockets: give them a few turns to arrive
        for (let i = 0; i < 3; i++) await turn();
      }
    };
    await run(500);
    clock.jumpWall(3_600_000);
    await run(1_500);
    expect(downs).toEqual([]);
    expect(a.nodes()).toEqual([b.name]);
    // silence, and the wall clock steps back an hour more than it went forward: the link must
    // still be declared down after one ticktime (a wall-clock heartbeat waits two hours)
    a.faults.blackhole(b.name);
    clock.jumpWall(-7_200_000);
    await run(1_500);
    expect(downs.map((d) => `${d.node} ${d.reason}`).sort()).toEqual([
      'a@127.0.0.1 timeout',
      'b@127.0.0.1 timeout',
    ]);
  });
});
