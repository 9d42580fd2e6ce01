import { describe, expect, it } from 'vitest';
import type { ControlCommandInput } from '../../protocol/control.ts';
import { BadRequestError } from '../errors.ts';
import type { AgentConnection } from '../ingest/ports.ts';
import { EventFeed } from '../model/event-feed.ts';
import { hello } from '../model/testing/fixtures.ts';
import { LiveModel } from '../model/live-model.ts';
import { createControl, type AuditEntry, type LabControl } from './control.ts';

function setup(names: string[], options: { lab?: LabControl; silent?: string[] } = {}) {
  const model = new LiveModel({ now: () => 1_000 });
  const sent: { node: string; command: ControlCommandInput }[] = [];
  const agents = new Map<string, AgentConnection>();
  for (const name of names) {
    model.agentConnected(hello(name), 0);
    agents.set(name, {
      node: name,
      bootId: `boot-${name}`,
      hidden: false,
      capabilities: ['kill', 'partition', 'heal', 'latency'],
      command(command) {
        sent.push({ node: name, command });
        if (options.silent?.includes(name))
          return Promise.reject(new Error(`agent of ${name} timed out`));
        return Promise.resolve({ id: command.id, ok: true, appliedAt: 1, expiresAt: 2 });
      },
    });
  }
  const audit: AuditEntry[] = [];
  const control = createControl({
    agents: { agent: (n) => agents.get(n), agents: () => [...agents.values()] },
    model,
    audit: (e) => {
      audit.push(e);
      return Promise.resolve();
    },
    events: new EventFeed(),
    now: () => 1_000,
    newId: () => 'cmd-1',
    ...(options.lab !== undefined && { lab: options.lab }),
  });
  return { control, sent, audit };
}

const full = (n: string) => `${n}@127.0.0.1`;

describe('control', () => {
  it('control — a partition sends each side a blackhole of every other side, with one id', async () => {
    const { control, sent, audit } = setup(['a', 'b', 'c'].map(full));
    const result = await control('partition', { sides: [['a'], ['b', 'c']], ttlMs: 5_000 });
    expect(result).toMatchObject({ id: 'cmd-1', ok: true });
    expect(sent.map((s) => [s.node, s.command])).toEqual([
      [
        full('a'),
        { id: 'cmd-1', type: 'partition', args: { peers: [full('b'), full('c')] }, ttlMs: 5_000 },
      ],
      [full('b'), { id: 'cmd-1', type: 'partition', args: { peers: [full('a')] }, ttlMs: 5_000 }],
      [full('c'), { id: 'cmd-1', type: 'partition', args: { peers: [full('a')] }, ttlMs: 5_000 }],
    ]);
    // The intent is on record before anything was sent, the result after the acks.
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({ action: 'partition', phase: 'intent', requestId: 'cmd-1' });
    expect(audit[1]).toMatchObject({ action: 'partition', phase: 'result', ok: true });
  });

  it.each([
    [{ sides: [['a@127.0.0.1'], []] }, 'a side must not be empty'],
    [{ sides: [['a@127.0.0.1']] }, 'at least two sides'],
    [{ sides: [['a@127.0.0.1'], ['a']] }, 'must not overlap'],
    [{ sides: [['a'], ['zz']] }, 'unknown node "zz"'],
    [{ sides: [['a'], ['b']], ttlMs: 0 }, 'ttlMs must be at least'],
    [{ sides: [['a'], ['b']], ttlMs: 1.5 }, 'integer'],
  ])('control — bad partition %j is refused (%s) and audited', async (body, message) => {
    const { control, sent, audit } = setup(['a', 'b'].map(full));
    await expect(control('partition', body)).rejects.toThrow(message);
    expect(sent).toEqual([]);
    expect(audit.map((a) => [a.phase, a.ok])).toEqual([
      ['intent', true],
      ['result', false],
    ]);
  });

  it('control — an unknown node is a BadRequestError', async () => {
    const { control } = setup([full('a')]);
    await expect(control('kill', { node: 'nobody' })).rejects.toBeInstanceOf(BadRequestError);
  });

  it('control — heal goes to every connected agent; an agent that does not answer is reported', async () => {
    const { control } = setup(['a', 'b'].map(full), { silent: [full('b')] });
    const result = await control('heal', {});
    expect(result.ok).toBe(false);
    expect(result.results).toEqual([
      { node: full('a'), ok: true, expiresAt: 2 },
      {
        node: full('b'),
        ok: false,
        error: { code: 'agent_unavailable', message: `agent of ${full('b')} timed out` },
        expiresAt: null,
      },
    ]);
  });

  it('control — latency defaults its peers to every other node', async () => {
    const { control, sent } = setup(['a', 'b', 'c'].map(full));
    await control('latency', { node: 'a', delayMs: 50 });
    expect(sent[0]?.command).toEqual({
      id: 'cmd-1',
      type: 'latency',
      args: { peers: [full('b'), full('c')], delayMs: 50, jitterMs: 0 },
      ttlMs: 60_000,
    });
  });

  it('control — restart needs the lab; with it, the lab re-spawns the node', async () => {
    const restarted: string[] = [];
    const lab: LabControl = {
      kill: () => true,
      knows: (n) => n === full('a'),
      restart: (n) => {
        restarted.push(n);
        return Promise.resolve();
      },
    };
    await expect(setup([full('a')]).control('restart', { node: 'a' })).rejects.toThrow(
      'observatory start',
    );
    await setup([full('a')], { lab }).control('restart', { node: 'a' });
    expect(restarted).toEqual([full('a')]);
  });
});
