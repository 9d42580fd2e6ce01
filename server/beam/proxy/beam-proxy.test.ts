/**
 * The proxy with real `erl` nodes: three nodes whose ERL_EPMD_PORT is the proxy's EPMD, so every
 * distribution connection between them runs through it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErlNode, cookieHome } from '../../../cluster/erlang/testing/erl-node.ts';
import { formatTerm } from '../../../cluster/erlang/format.ts';
import { startErlangNode } from '../../../cluster/erlang/index.ts';
import type { Term } from '../../../cluster/erlang/terms.ts';
import { deserializeSketch } from '../../../protocol/sketch.ts';
import type { FrameRow } from '../../../protocol/telemetry.ts';
import { createControl, type Control } from '../../control/control.ts';
import { EventFeed } from '../../model/event-feed.ts';
import { hello } from '../../model/testing/fixtures.ts';
import { LiveModel } from '../../model/live-model.ts';
import { startBeamProxy, type BeamProxy } from './beam-proxy.ts';
import { withBeamProxyAgents } from './control-agents.ts';

const TICKTIME_S = 4;
const full = (n: string) => `${n}@127.0.0.1`;
const NAMES = ['b1', 'b2', 'b3'].map(full);

/** `{ok, V}` from ErlNode.eval, printed; fails the test on an exception in erl. */
async function value(node: ErlNode, expr: string, timeoutMs?: number): Promise<string> {
  const t: Term = await node.eval(expr, timeoutMs);
  const s = formatTerm(t);
  if (!s.startsWith('{ok,')) throw new Error(`${node.options.name}: ${expr} -> ${s}`);
  return s.slice(4, -1);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number) {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if (await check()) return performance.now() - start;
    await sleep(100);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

function rows(proxy: BeamProxy, node: string, peer: string, direction: 'in' | 'out'): FrameRow[] {
  return proxy.traffic(node).channels.filter((f) => f.peer === peer && f.direction === direction);
}

// A registered sink on b2 and b3: counts what it gets and answers pings and hash checks.
const SINK = `register(sink, spawn(fun Loop() -> receive
  {ping, From} -> From ! pong, Loop();
  {big, From, H, Bin} -> From ! {bighash, crypto:hash(sha256, Bin) =:= H, byte_size(Bin)}, Loop();
  _ -> Loop() end end)), ok`;

describe('beam proxy — real erl nodes', () => {
  let proxy: BeamProxy;
  let nodes: ErlNode[];
  let b1: ErlNode;
  let b2: ErlNode;
  let control: Control;

  beforeAll(async () => {
    proxy = await startBeamProxy();
    const home = cookieHome('beam-proxy-test');
    nodes = NAMES.map(
      (name) => new ErlNode({ name, epmdPort: proxy.epmdPort, home, ticktimeS: TICKTIME_S }),
    );
    [b1, b2] = nodes as [ErlNode, ErlNode];
    await Promise.all(nodes.map((n) => n.ready()));
    for (const n of nodes.slice(1)) await value(n, SINK);
    const model = new LiveModel({ now: () => Date.now() });
    for (const name of NAMES) model.agentConnected(hello(name), 0);
    control = createControl({
      agents: withBeamProxyAgents({ agent: () => undefined, agents: () => [] }, proxy),
      model,
      audit: () => Promise.resolve(),
      events: new EventFeed(),
      now: () => Date.now(),
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all((nodes ?? []).map((n) => n.stop()));
    await proxy?.close();
  });

  it('beam proxy — three nodes mesh fully through it, one proxied connection per pair', async () => {
    expect(await value(b1, `net_adm:ping('b2@127.0.0.1')`)).toBe('pong');
    expect(await value(b1, `net_adm:ping('b3@127.0.0.1')`)).toBe('pong');
    for (const [i, n] of nodes.entries()) {
      const others = NAMES.filter((_, j) => j !== i).map((x) => `'${x}'`);
      await until(
        `${n.options.name} sees the others`,
        async () => (await value(n, 'lists:sort(nodes())')) === `[${others.join(',')}]`,
        10_000,
      );
    }
    // Two nodes dialing each other at once both reach the proxy; the loser's connection closes.
    await until(
      'one connection per pair',
      () => Promise.resolve(proxy.connections() === 3),
      10_000,
    );
    expect(proxy.nodes()).toEqual(NAMES);
  });

  it('beam proxy — a hidden TypeScript observer reaches the nodes through it too (rex calls counted)', async () => {
    const observer = await startErlangNode({
      name: 'obs@127.0.0.1',
      cookie: 'beam-proxy-test',
      epmdPort: proxy.epmdPort,
      embeddedEpmd: false,
      publish: false,
    });
    try {
      expect(formatTerm(await observer.call(full('b1'), 'erlang', 'node', []))).toBe(
        `'b1@127.0.0.1'`,
      );
      const rex = rows(proxy, 'obs@127.0.0.1', full('b1'), 'out').find(
        (r) => r.channel === 'reg:rex',
      );
      expect(rex?.count).toBe(1);
      expect(await value(b1, 'nodes(hidden)')).toBe(`['obs@127.0.0.1']`);
    } finally {
      await observer.close();
    }
  });

  it('beam proxy — per-link message counts grow with traffic, per destination', async () => {
    proxy.traffic(full('b1'));
    proxy.traffic(full('b2'));
    await value(b1, `[{sink, 'b2@127.0.0.1'} ! {n, I} || I <- lists:seq(1, 500)], ok`);
    await value(
      b1,
      `{sink, 'b2@127.0.0.1'} ! {ping, self()}, receive pong -> ok after 5000 -> timeout end`,
    );
    const out = rows(proxy, full('b1'), full('b2'), 'out').find((r) => r.channel === 'reg:sink');
    const into = rows(proxy, full('b2'), full('b1'), 'in').find((r) => r.channel === 'reg:sink');
    expect(out?.count).toBe(501);
    expect(into?.count).toBe(501);
    expect(into?.bytes).toBe(out?.bytes);
    await value(b1, `[{sink, 'b2@127.0.0.1'} ! {n, I} || I <- lists:seq(1, 700)], ok`);
    await value(
      b1,
      `{sink, 'b2@127.0.0.1'} ! {ping, self()}, receive pong -> ok after 5000 -> timeout end`,
    );
    const more = rows(proxy, full('b1'), full('b2'), 'out').find((r) => r.channel === 'reg:sink');
    expect(more?.count).toBe(701);
  });

  it('beam proxy — p95 message size on a link matches erlang:external_size/1 on the sender', async () => {
    proxy.traffic(full('b1'));
    // Sizes spread over 2 KiB .. 300 KiB: the larger ones travel in fragments.
    const sizes = await value(
      b1,
      `rand:seed(exsss, {1, 2, 3}), Ms = [{burst, I, binary:copy(<<7>>, 2048 + rand:uniform(300 * 1024))} || I <- lists:seq(1, 400)],
       [{sink, 'b2@127.0.0.1'} ! M || M <- Ms],
       {sink, 'b2@127.0.0.1'} ! {ping, self()}, receive pong -> ok after 10000 -> timeout end,
       Sorted = lists:sort([erlang:external_size(M) || M <- Ms]),
       {lists:nth(trunc(0.95 * 399) + 1, Sorted), lists:nth(trunc(0.5 * 399) + 1, Sorted)}`,
      30_000,
    );
    const [p95, p50] = sizes.slice(1, -1).split(',').map(Number) as [number, number];
    const row = rows(proxy, full('b1'), full('b2'), 'out').find((r) => r.channel === 'reg:sink');
    expect(row?.count).toBe(401); // the burst and the ping
    const sketch = deserializeSketch(row!.sketch);
    // The sketch's 1%, plus the frame's own bytes (length, header, control tuple: < 0.1% here).
    expect(Math.abs(sketch.quantile(0.95) - p95) / p95).toBeLessThan(0.011);
    expect(Math.abs(sketch.quantile(0.5) - p50) / p50).toBeLessThan(0.011);
  }, 60_000);

  it('beam proxy — a 10 MiB message arrives byte-exact (sha256 on both sides) and counts once', async () => {
    proxy.traffic(full('b1'));
    const reply = await value(
      b1,
      `Bin = crypto:strong_rand_bytes(10 * 1024 * 1024), {sink, 'b2@127.0.0.1'} ! {big, self(), crypto:hash(sha256, Bin), Bin},
       receive {bighash, Same, Size} -> {Same, Size} after 20000 -> timeout end`,
      30_000,
    );
    expect(reply).toBe(`{true,${10 * 1024 * 1024}}`);
    const row = rows(proxy, full('b1'), full('b2'), 'out').find((r) => r.channel === 'reg:sink');
    expect(row?.count).toBe(1);
    expect(row!.bytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(row!.bytes).toBeLessThan(10 * 1024 * 1024 + 64 * 1024);
  }, 60_000);

  it('beam proxy — added latency delays one direction of one link, then reverts by itself', async () => {
    const rtt = async () => {
      const s = await value(
        b1,
        `T = erlang:monotonic_time(millisecond), {sink, 'b2@127.0.0.1'} ! {ping, self()}, receive pong -> erlang:monotonic_time(millisecond) - T after 10000 -> timeout end`,
      );
      return Number(s);
    };
    const result = await control('latency', {
      node: full('b1'),
      peers: [full('b2')],
      delayMs: 400,
      ttlMs: 2_000,
    });
    expect(result.ok).toBe(true);
    expect(await rtt()).toBeGreaterThanOrEqual(390);
    expect(proxy.faults.active(full('b1')).map((f) => f.kind)).toEqual(['latency']);
    await sleep(2_200);
    // Reverted: below the one delayed direction alone (a loaded machine's scheduling may cost
    // a round trip a lot, but not the 400 ms the fault added).
    expect(await rtt()).toBeLessThan(400);
    const events = proxy
      .traffic(full('b1'))
      .events.map((e) => e.type === 'fault' && `${e.action}:${e.reason}`);
    expect(events).toEqual(['applied:command', 'reverted:ttl']);
  }, 30_000);

  it('beam proxy — a TTL-limited cut holds messages (no close), and the link resumes by itself', async () => {
    const result = await control('partition', {
      sides: [[full('b1')], [full('b2')]],
      ttlMs: 1_500,
    });
    expect(result.ok).toBe(true);
    const took = Number(
      await value(
        b1,
        `T = erlang:monotonic_time(millisecond), {sink, 'b2@127.0.0.1'} ! {ping, self()}, receive pong -> erlang:monotonic_time(millisecond) - T after 10000 -> timeout end`,
        15_000,
      ),
    );
    // Held until the cut expired, well inside net_ticktime, so the connection survived. The
    // send starts some time after the cut (erl reads and evaluates the line: up to a second on a
    // loaded machine), so the bound is well under the 1.5 s cut, yet far above a round trip.
    expect(took).toBeGreaterThanOrEqual(500);
    expect(await value(b1, 'lists:sort(nodes())')).toBe(`['b2@127.0.0.1','b3@127.0.0.1']`);
  }, 30_000);

  it('beam proxy — partition b1 | b2,b3 is seen by net_ticktime, heal reconnects', async () => {
    const start = performance.now();
    const result = await control('partition', {
      sides: [[full('b1')], [full('b2'), full('b3')]],
      ttlMs: 60_000,
    });
    expect(result.ok).toBe(true);
    // Kept busy, as an application would be: the sends queue up behind the cut.
    await value(
      b1,
      `spawn(fun() -> [begin {sink, 'b2@127.0.0.1'} ! {n, I}, timer:sleep(100) end || I <- lists:seq(1, 60)] end), ok`,
    );
    // 1.5 × net_ticktime plus slack for a loaded machine (each poll is an rpc into erl)
    const detectMs = 1.5 * TICKTIME_S * 1000 + 10_000;
    await until('b1 alone', async () => (await value(b1, 'nodes()')) === '[]', detectMs);
    const elapsed = performance.now() - start;
    expect(elapsed).toBeLessThan(detectMs);
    // TCP connections were left open: the nodes found out by their tick timeout, not a close.
    expect(elapsed).toBeGreaterThan(TICKTIME_S * 1000 * 0.5);
    await until(
      'b2 without b1',
      async () => (await value(b2, 'lists:sort(nodes())')) === `['b3@127.0.0.1']`,
      Math.max(detectMs - elapsed, 5_000),
    );
    // A new connection attempt is blackholed too.
    expect(await value(b1, `net_adm:ping('b2@127.0.0.1')`, 20_000)).toBe('pang');

    const healed = await control('heal', {});
    expect(healed.ok).toBe(true);
    expect(await value(b1, `net_adm:ping('b2@127.0.0.1')`, 20_000)).toBe('pong');
    await value(b1, `net_adm:ping('b3@127.0.0.1')`, 20_000);
    await until(
      'one mesh again',
      async () => (await value(b1, 'lists:sort(nodes())')) === `['b2@127.0.0.1','b3@127.0.0.1']`,
      10_000,
    );
    expect(proxy.faults.active(full('b1'))).toEqual([]);
  }, 60_000);
});
