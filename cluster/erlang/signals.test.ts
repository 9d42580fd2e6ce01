/**
 * Links, monitors and exit signals between erl processes and TS mailboxes (LINK, UNLINK_ID and
 * its ack, EXIT/EXIT2 with payloads, MONITOR_P, DEMONITOR_P, MONITOR_P_EXIT), and simultaneous
 * connects between two TS nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTerm } from './format.ts';
import type { Pid, Tuple } from './index.ts';
import { atom, startErlangNode, tuple, type Term } from './index.ts';
import { startPair, type Pair } from './testing/fixture.ts';

const TS = "'ts1@127.0.0.1'";

describe('erlang signals', () => {
  let p: Pair;
  beforeAll(async () => {
    p = await startPair({}, 4);
    expect(formatTerm(await p.erl.eval(`net_adm:ping(${TS})`))).toBe('{ok,pong}');
  });
  afterAll(() => p.close());

  /** Runs `body` in erl with `Pid` bound to the pid the TS mailbox `name` reports. */
  async function withBox(
    name: string,
    body: string,
  ): Promise<{ box: ReturnType<Pair['ts']['mailbox']>; result: Promise<Term> }> {
    const box = p.ts.mailbox(name);
    const result = p.erl.eval(
      `begin {${name}, ${TS}} ! {whoami, self()}, Pid = receive {pid, P} -> P after 5000 -> exit(no_pid) end, ${body} end`,
    );
    const m = (await box.receive({ timeoutMs: 5000 })) as Tuple;
    box.send(m.elements[1] as Pid, tuple(atom('pid'), box.pid));
    return { box, result };
  }

  it('signals — a monitor from erl fires DOWN with the reason the TS mailbox closes with', async () => {
    const { box, result } = await withBox(
      'mon1',
      `Ref = erlang:monitor(process, Pid), receive {'DOWN', Ref, process, Pid, R} -> R after 5000 -> timeout end`,
    );
    await new Promise((r) => setTimeout(r, 100));
    box.close(atom('shutting_down'));
    expect(formatTerm(await result)).toBe('{ok,shutting_down}');
  });

  it('signals — monitoring a name that is not registered is DOWN noproc at once', async () => {
    const r = await p.erl.eval(
      `begin Ref = erlang:monitor(process, {nobody, ${TS}}), receive {'DOWN', Ref, process, Who, R} -> {Who, R} after 5000 -> timeout end end`,
    );
    expect(formatTerm(r)).toBe(`{ok,{{nobody,${TS}},noproc}}`);
  });

  it('signals — a demonitored TS mailbox sends no DOWN', async () => {
    const { box, result } = await withBox(
      'mon2',
      `Ref = erlang:monitor(process, Pid), true = erlang:demonitor(Ref), {mon2, ${TS}} ! demonitored, receive {'DOWN', _, _, _, _} = D -> D after 1000 -> none end`,
    );
    expect(await box.receive({ timeoutMs: 5000 })).toEqual(atom('demonitored'));
    box.close();
    expect(formatTerm(await result)).toBe('{ok,none}');
  });

  it('signals — a link from erl: closing the mailbox sends an exit signal; unlink is acknowledged', async () => {
    const { box, result } = await withBox(
      'link1',
      `process_flag(trap_exit, true), link(Pid), receive {'EXIT', Pid, R} -> R after 5000 -> timeout end`,
    );
    await new Promise((r) => setTimeout(r, 100));
    box.close(atom('bye'));
    expect(formatTerm(await result)).toBe('{ok,bye}');

    const second = await withBox(
      'link2',
      `process_flag(trap_exit, true), link(Pid), unlink(Pid), {link2, ${TS}} ! unlinked, receive {'EXIT', Pid, R} -> R after 1000 -> none end`,
    );
    expect(await second.box.receive({ timeoutMs: 5000 })).toEqual(atom('unlinked'));
    second.box.close(atom('bye'));
    expect(formatTerm(await second.result)).toBe('{ok,none}');
  });

  it('signals — exit/2 from erl reaches the mailbox as an {EXIT, From, Reason} message', async () => {
    const { box, result } = await withBox('exit1', `exit(Pid, please_stop), done`);
    expect(formatTerm(await result)).toBe('{ok,done}');
    const m = await box.receive({ timeoutMs: 5000 });
    expect(formatTerm(m)).toMatch(/^\{'EXIT',<'checker@127\.0\.0\.1'\.\d+\.\d+>,please_stop\}$/);
    box.close();
  });

  it('signals — linking to a pid that does not exist is an exit signal noproc', async () => {
    const r = await p.erl.eval(
      `begin process_flag(trap_exit, true), Dead = rpc:call(${TS}, erlang, self, []), link(Dead), receive {'EXIT', Dead, R} -> R after 5000 -> timeout end end`,
    );
    expect(formatTerm(r)).toBe('{ok,noproc}');
  });
});

describe('simultaneous connect', () => {
  it('connect — two TS nodes dialling each other at once end with one link each way', async () => {
    const { freePort } = await import('./testing/erl-node.ts');
    const epmdPort = await freePort();
    for (let i = 0; i < 3; i++) {
      const a = await startErlangNode({ name: `a${i}@127.0.0.1`, cookie: 'c', epmdPort });
      const b = await startErlangNode({ name: `b${i}@127.0.0.1`, cookie: 'c', epmdPort });
      try {
        await Promise.all([a.connect(b.name), b.connect(a.name)]);
        expect(a.nodes()).toEqual([b.name]);
        expect(b.nodes()).toEqual([a.name]);
        expect(await a.ping(b.name)).toBe('pong');
        expect(await b.call(a.name, 'erlang', 'node', [])).toEqual(atom(a.name));
      } finally {
        await b.close();
        await a.close();
      }
    }
  });
});
