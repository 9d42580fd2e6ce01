/** The BEAM poll's reply parsing and the snapshots built from successive polls (pure, fakes). */
import { describe, expect, it } from 'vitest';
import { Port, atom, encode, tuple, type Term } from '../../../cluster/erlang/index.ts';
import { snapshotSchema } from '../../../protocol/telemetry.ts';
import { exportFun, firstCall, parseFirst, parseSecond, type FirstReply } from './poll.ts';
import { BeamSnapshotBuilder, DIST_CHANNEL } from './snapshot.ts';

const OBS = 'observatory_1@127.0.0.1';
const port = (id: number) => new Port(atom('b1@127.0.0.1'), BigInt(id), 1);

function firstReply(over: { visible?: string[]; hidden?: string[]; reductions?: number }): Term {
  return [
    (over.visible ?? ['b2@127.0.0.1', 'b3@127.0.0.1']).map((n) => atom(n)),
    (over.hidden ?? [OBS]).map((n) => atom(n)),
    [tuple(atom('total'), 30_000_000), tuple(atom('processes'), 8_000_000), tuple(atom('ets'), 1)],
    61,
    9,
    0,
    tuple(over.reductions ?? 1000, 10),
    [atom('rex'), atom('obs_demo')],
    [tuple(atom('obs_demo'), atom('b1@127.0.0.1'))],
    [
      tuple(atom('b2@127.0.0.1'), port(10)),
      tuple(atom('b3@127.0.0.1'), port(11)),
      tuple(atom(OBS), port(12)),
    ],
    atom('undefined'),
  ];
}
const stat = (sendOct: number, sendCnt: number) =>
  tuple(atom('ok'), [
    tuple(atom('send_oct'), sendOct),
    tuple(atom('recv_oct'), sendOct * 2),
    tuple(atom('send_cnt'), sendCnt),
    tuple(atom('recv_cnt'), sendCnt * 2),
  ]);

describe('BEAM poll', () => {
  it('poll — an external fun encodes as EXPORT_EXT, the batch as one zipwith call', () => {
    expect([...encode(exportFun('erlang', 'apply', 2))]).toEqual([
      131,
      113,
      119,
      6,
      ...Buffer.from('erlang'),
      119,
      5,
      ...Buffer.from('apply'),
      97,
      2,
    ]);
    const c = firstCall('obs_demo_pg');
    expect([c.module, c.fun]).toEqual(['lists', 'zipwith']);
    expect(c.args[1]).toHaveLength(11);
  });

  it('poll — the first reply is read into names, counts and distribution ports', () => {
    const r = parseFirst(firstReply({}));
    expect(r.visible).toEqual(['b2@127.0.0.1', 'b3@127.0.0.1']);
    expect(r.memory.total).toBe(30_000_000);
    expect(r.processCount).toBe(61);
    expect(r.globalNames).toEqual(["{obs_demo,'b1@127.0.0.1'}"]);
    expect(r.dist.map((d) => d.peer)).toEqual(['b2@127.0.0.1', 'b3@127.0.0.1', OBS]);
    expect(r.pgRunning).toBe(false);
  });

  it('poll — a reply of the wrong shape is an error, not a guess', () => {
    expect(() => parseFirst([1, 2, 3])).toThrow(/3 results instead of 11/);
    expect(() => parseFirst(atom('badrpc'))).toThrow(/not a list/);
  });

  it('poll — getstat failures leave that link without counters; pg rows give member counts', () => {
    const r = parseSecond(
      [
        [stat(100, 2), tuple(atom('error'), atom('einval'))],
        [tuple(atom('demo_all'), [1, 2, 3], [1]), tuple(tuple(atom('demo_half'), 0), [1], [])],
      ],
      true,
    );
    expect(r.counters[0]).toEqual({ sendOct: 100, recvOct: 200, sendCnt: 2, recvCnt: 4 });
    expect(r.counters[1]).toBeUndefined();
    expect(r.pgGroups).toEqual([
      { group: 'demo_all', members: 3 },
      { group: '{demo_half,0}', members: 1 },
    ]);
  });
});

describe('BEAM snapshots', () => {
  const build = () => new BeamSnapshotBuilder('b1@127.0.0.1', 'boot-1', OBS, '25', 1000);
  const poll = (first: FirstReply, counters: [number, number][], at: number) => ({
    at,
    first,
    second: {
      counters: counters.map(([o, c]) => ({
        sendOct: o,
        recvOct: o * 2,
        sendCnt: c,
        recvCnt: c * 2,
      })),
      pgGroups: [],
    },
  });

  it('snapshot — deltas of the socket counters become dist rows; the observer is left out', () => {
    const b = build();
    const f = parseFirst(firstReply({}));
    const s1 = b.build(
      poll(
        f,
        [
          [1000, 10],
          [500, 5],
          [99, 9],
        ],
        10_000,
      ),
    );
    expect(s1.frames).toEqual([]); // nothing to compare with yet
    expect(s1.events).toEqual([]); // links found up were not seen coming up
    const s2 = b.build(
      poll(
        parseFirst(firstReply({ reductions: 1500 })),
        [
          [4000, 13],
          [500, 5],
          [500, 20],
        ],
        11_000,
      ),
    );
    expect(snapshotSchema.parse(s2)).toEqual(s2);
    expect(s2.seq).toBe(2);
    expect(s2.frames).toEqual([
      expect.objectContaining({
        peer: 'b2@127.0.0.1',
        channel: DIST_CHANNEL,
        direction: 'out',
        count: 3,
        bytes: 3000,
      }),
      expect.objectContaining({ peer: 'b2@127.0.0.1', direction: 'in', count: 6, bytes: 6000 }),
    ]);
    expect(s2.view).toEqual({ nodes: ['b2@127.0.0.1', 'b3@127.0.0.1'], hidden: [] });
    expect(s2.links.map((l) => l.peer)).toEqual(['b2@127.0.0.1', 'b3@127.0.0.1']);
    expect(s2.beam?.reductions).toBe(500);
    expect(s2.runtime).toBe('beam');
    expect(s2.process.rssBytes).toBe(30_000_000);
  });

  it('snapshot — a peer that disappears is a nodedown with a down link, and back a nodeup', () => {
    const b = build();
    b.build(poll(parseFirst(firstReply({})), [], 10_000));
    const s2 = b.build(poll(parseFirst(firstReply({ visible: ['b2@127.0.0.1'] })), [], 11_000));
    expect(s2.events).toEqual([
      expect.objectContaining({ type: 'nodedown', node: 'b3@127.0.0.1', eid: 1 }),
    ]);
    expect(s2.links.find((l) => l.peer === 'b3@127.0.0.1')?.state).toBe('down');
    const s3 = b.build(poll(parseFirst(firstReply({})), [], 12_000));
    expect(s3.events).toEqual([
      expect.objectContaining({ type: 'nodeup', node: 'b3@127.0.0.1', eid: 2 }),
    ]);
    expect(s3.eventsThrough).toBe(2);
  });

  it('snapshot — traffic from the proxy adds its channels and replaces its links', () => {
    const b = build();
    const s = b.build(poll(parseFirst(firstReply({})), [], 10_000), {
      links: [
        { peer: 'b2@127.0.0.1', state: 'down', hidden: false, since: 5, reason: 'blackholed' },
      ],
      channels: [
        {
          peer: 'b2@127.0.0.1',
          channel: 'obs_demo',
          direction: 'out',
          count: 1,
          bytes: 70,
          sketch: '',
        },
      ],
    });
    expect(s.links.find((l) => l.peer === 'b2@127.0.0.1')?.reason).toBe('blackholed');
    expect(s.frames.map((f) => f.channel)).toEqual(['obs_demo']);
  });
});
