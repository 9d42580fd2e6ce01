/** The TS node against a real erl: ping, hidden node, rpc both ways, echo, ticks. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRpcError } from './errors.ts';
import { formatTerm } from './format.ts';
import { ErlFloat, Pid, Tuple, atom, isAtom, tuple, type Term } from './index.ts';
import { startPair, type Pair } from './testing/fixture.ts';

const TS = "'ts1@127.0.0.1'";
const ERL = 'checker@127.0.0.1';

function ok(t: Term): Term {
  expect(formatTerm(t)).toMatch(/^\{ok,/);
  return (t as { elements: Term[] }).elements[1]!;
}

describe('erlang interop', () => {
  let p: Pair;
  beforeAll(async () => {
    p = await startPair({}, 2);
  });
  afterAll(() => p.close());

  it('interop — net_adm:ping from erl is pong and the TS node is hidden', async () => {
    expect(isAtom(ok(await p.erl.eval(`net_adm:ping(${TS})`)), 'pong')).toBe(true);
    expect(formatTerm(ok(await p.erl.eval('nodes(hidden)')))).toBe(`[${TS}]`);
    expect(formatTerm(ok(await p.erl.eval('nodes()')))).toBe('[]');
    expect(p.ts.nodes()).toEqual([ERL]);
  });

  it('interop — ping from TS is pong; an unknown node is pang', async () => {
    expect(await p.ts.ping(ERL)).toBe('pong');
    expect(await p.ts.ping('nobody@127.0.0.1')).toBe('pang');
  });

  it('interop — rpc:call from erl reaches allowlisted handlers, {badrpc, _} otherwise', async () => {
    const call = async (m: string, f: string, a = '[]') =>
      formatTerm(ok(await p.erl.eval(`rpc:call(${TS}, ${m}, ${f}, ${a})`)));
    expect(await call('erlang', 'node')).toBe(TS);
    expect(await call('erlang', 'nodes')).toBe(`['${ERL}']`);
    expect(await call('erlang', 'self')).toMatch(/^<'ts1@127\.0\.0\.1'\.\d+\.\d+>$/);
    expect(ok(await p.erl.eval(`node(rpc:call(${TS}, erlang, self, []))`))).toEqual(
      atom('ts1@127.0.0.1'),
    );
    expect(await call('observatory', 'info')).toContain(`name => ${TS}`);
    expect(await call('os', 'cmd', '["id"]')).toBe(
      `{badrpc,{'EXIT',{undef,[{os,cmd,["id"],[]}]}}}`,
    );
    expect(formatTerm(ok(await p.erl.eval(`erpc:call(${TS}, erlang, node, [])`)))).toBe(TS);
    expect(formatTerm(ok(await p.erl.eval(`rpc:block_call(${TS}, erlang, node, [])`)))).toBe(TS);
    expect(formatTerm(ok(await p.erl.eval(`rpc:block_call(${TS}, foo, bar, [])`)))).toMatch(
      /^\{badrpc,\{'EXIT',\{undef,/,
    );
    // a spawn request of anything but erpc is refused, and nothing runs
    expect(formatTerm(ok(await p.erl.eval(`catch erpc:call(${TS}, fun() -> ok end)`)))).toMatch(
      /undef/,
    );
  });

  it('interop — TS calls erl through rex and through erpc; errors are BadRpcError', async () => {
    expect(await p.ts.call(ERL, 'erlang', 'node', [])).toEqual(atom(ERL));
    expect(await p.ts.call(ERL, 'lists', 'reverse', [[1, 2, 3]])).toEqual([3, 2, 1]);
    expect(await p.ts.erpcCall(ERL, 'erlang', 'node', [])).toEqual(atom(ERL));
    expect(await p.ts.erpcCall(ERL, 'erlang', 'binary_to_list', ['ab'])).toEqual([97, 98]);
    await expect(p.ts.call(ERL, 'no_such', 'fun', [])).rejects.toThrow(BadRpcError);
    await expect(p.ts.erpcCall(ERL, 'no_such', 'fun', [])).rejects.toThrow(BadRpcError);
  });

  it('interop — the {From, Term} echo answers {EchoPid, Term}, as the IEx exercise expects', async () => {
    const r = ok(
      await p.erl.eval(
        `begin {echo, ${TS}} ! {self(), "hello"}, receive M -> M after 5000 -> timeout end end`,
      ),
    );
    expect(formatTerm(r)).toMatch(/^\{<'ts1@127\.0\.0\.1'\.\d+\.\d+>,"hello"\}$/);
  });

  it('interop — a battery of 50+ terms comes back from echo unchanged (=:=)', async () => {
    const terms = [
      'atom',
      "'ÿ'",
      "'Ελληνικά'",
      "'日本語'",
      "''",
      '0',
      '1',
      '-1',
      '255',
      '256',
      '2147483647',
      '-2147483648',
      '2147483648',
      '-2147483649',
      '(1 bsl 31)',
      '-(1 bsl 31)',
      '18446744073709551616',
      '-18446744073709551616',
      '(1 bsl 300)',
      '-(1 bsl 300)',
      '0.0',
      '-0.0',
      '1.0',
      '-1.5',
      '3.141592653589793',
      '1.0e300',
      '5.0e-324',
      '2.2250738585072014e-308',
      '<<>>',
      '<<"hello">>',
      'binary:copy(<<7>>, 1048576)',
      '<<1:3>>',
      '<<255, 1:1>>',
      '[]',
      '"abc"',
      '[1,2|3]',
      '[a|b]',
      'lists:seq(1, 10000)',
      'list_to_tuple(lists:seq(1, 300))',
      '{}',
      '{a, {b, {c}}}',
      '#{}',
      '#{a => 1}',
      '#{<<"k">> => #{1 => [2], {x, y} => 3.0}}',
      '#{[1] => #{}, 1.0 => a, 1 => b}',
      'maps:from_list([{I, I} || I <- lists:seq(1, 100)])',
      'self()',
      'make_ref()',
      '[self(), make_ref()]',
      'true',
      'false',
      'nil',
      '"ünïcödé"',
      '<<"ünïcödé"/utf8>>',
      '[256, 1000, 66000]',
      "{'EXIT', normal}",
      'fun erlang:node/0',
      'fun(X) -> X end',
      'hd(erlang:ports())',
    ];
    expect(terms.length).toBeGreaterThanOrEqual(50);
    const expr = `begin Me = self(), Ts = [${terms.join(', ')}],
      Bad = [T || T <- Ts, begin R = make_ref(), {echo, ${TS}} ! {Me, R, T},
        receive {R, Back} -> Back =/= T after 5000 -> true end end],
      {length(Ts), Bad} end`;
    const r = ok(await p.erl.eval(expr, 30_000));
    expect(formatTerm(r)).toBe(`{${terms.length},[]}`);
  });

  it('interop — TS mailboxes exchange messages with erl processes by pid and by name', async () => {
    const box = p.ts.mailbox('inbox');
    try {
      const answer = p.erl.eval(
        `begin {inbox, ${TS}} ! {hello, self()}, receive {reply, X} -> X after 5000 -> timeout end end`,
      );
      const m = await box.receive({ timeoutMs: 5000 });
      expect(m).toBeInstanceOf(Tuple);
      const [tag, from] = (m as Tuple).elements;
      expect(tag).toEqual(atom('hello'));
      expect(from).toBeInstanceOf(Pid);
      box.send(from as Pid, tuple(atom('reply'), new ErlFloat(42)));
      expect(formatTerm(ok(await answer))).toBe('42.0');
    } finally {
      box.close();
    }
  });

  it('interop — an idle link stays up on ticks alone (two ticktimes of silence)', async () => {
    const ticks = { in: 0, out: 0 };
    const off = p.ts.instrumentation.onFrame((_peer, channel, direction) => {
      if (channel === 'tick') ticks[direction]++;
    });
    await new Promise((r) => setTimeout(r, 4_500));
    off();
    expect(p.ts.nodes()).toEqual([ERL]);
    expect(formatTerm(ok(await p.erl.eval('nodes(hidden)')))).toBe(`[${TS}]`);
    expect(ticks.in).toBeGreaterThan(0);
    expect(ticks.out).toBeGreaterThan(0);
  });

  it('interop — the instrumentation hooks count Erlang frames with their sizes, as native ones', async () => {
    const frames: [string, string, number][] = [];
    const off = p.ts.instrumentation.onFrame((peer, channel, direction, bytes) => {
      if (peer === ERL) frames.push([channel, direction, bytes]);
    });
    const view = p.ts.agentView();
    expect(view.nodes({ hidden: true })).toEqual([ERL]);
    ok(
      await p.erl.eval(
        `begin {echo, ${TS}} ! {self(), binary:copy(<<1>>, 4096)}, receive M -> ok after 5000 -> timeout end end`,
      ),
    );
    off();
    expect(frames.some(([c, d, b]) => c === 'send' && d === 'in' && b > 4096)).toBe(true);
    expect(frames.some(([c, d, b]) => c === 'send' && d === 'out' && b > 4096)).toBe(true);
  });
});
