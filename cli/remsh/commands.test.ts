import { describe, expect, it } from 'vitest';
import type { CallOptions, NodeName, Payload } from '../../cluster/api.ts';
import { NoSuchHandlerError } from '../../cluster/errors.ts';
import { SHELL_HANDLERS, type NodeList } from '../node/handlers.ts';
import {
  helpText,
  runShellLine,
  SHELL_COMMANDS,
  ShellUsageError,
  type ShellContext,
} from './commands.ts';

type Handler = (args: Payload) => Payload;

/** A hidden shell node linked to `a@h`, which knows `b@h` at h:2. */
function fakeShell(handlers: Record<string, Handler>) {
  const linked = new Set<NodeName>(['a@h']);
  const calls: { node: NodeName; handler: string; args: Payload }[] = [];
  const connects: string[] = [];
  const remote: Record<NodeName, Record<string, Handler>> = {
    'a@h': handlers,
    'b@h': { 'node.name': () => 'b@h' },
  };
  const local: ShellContext['local'] = {
    name: 'remsh-1@h',
    connect(target: string) {
      connects.push(target);
      if (target === 'h:2' || target === 'b@h:2') {
        linked.add('b@h');
        return Promise.resolve(true);
      }
      return Promise.resolve(false);
    },
    ping: (node: NodeName) => Promise.resolve(linked.has(node) ? 'pong' : 'pang'),
    call(node: NodeName, handler: string, args: Payload, _o?: CallOptions) {
      calls.push({ node, handler, args });
      const h = linked.has(node) ? remote[node]?.[handler] : undefined;
      if (h === undefined) return Promise.reject(new NoSuchHandlerError(`no ${handler}`));
      return Promise.resolve(h(args));
    },
    nodes: () => [...linked],
    addressOf: () => undefined,
  };
  return { ctx: { local, target: 'a@h', timeoutMs: 1000 }, calls, connects };
}

const list: NodeList = {
  self: { name: 'a@h', address: 'h:1', hidden: false },
  visible: [{ name: 'b@h', address: 'h:2', hidden: false }],
  hidden: [{ name: 'remsh-1@h', address: 'h:3', hidden: true }],
};

describe('remsh commands', () => {
  it("remsh commands — nodes prints the target's visible and hidden peers", async () => {
    const { ctx } = fakeShell({ [SHELL_HANDLERS.nodes]: () => list });
    const { output } = await runShellLine(ctx, 'nodes');
    expect(output.split('\n')).toEqual([
      expect.stringMatching(/^self\s+a@h\s+h:1$/),
      expect.stringMatching(/^visible\s+b@h\s+h:2$/),
      expect.stringMatching(/^hidden\s+remsh-1@h\s+h:3$/),
    ]);
  });

  it('remsh commands — call connects to a peer through the address the target knows', async () => {
    const { ctx, connects, calls } = fakeShell({ [SHELL_HANDLERS.nodes]: () => list });
    const { output } = await runShellLine(ctx, 'call b@h node.name');
    expect(output).toBe('"b@h"');
    expect(connects).toEqual(['h:2']);
    expect(calls.at(-1)).toEqual({ node: 'b@h', handler: 'node.name', args: null });
  });

  it('remsh commands — call passes JSON arguments with spaces intact', async () => {
    const { ctx, calls } = fakeShell({ echo: (a) => a });
    const { output } = await runShellLine(ctx, 'call a@h echo {"x": [1, 2]}');
    expect(JSON.parse(output)).toEqual({ x: [1, 2] });
    expect(calls[0]?.args).toEqual({ x: [1, 2] });
  });

  it('remsh commands — bad JSON and unknown commands are usage errors', async () => {
    const { ctx } = fakeShell({});
    await expect(runShellLine(ctx, 'call a@h echo {nope')).rejects.toBeInstanceOf(ShellUsageError);
    await expect(runShellLine(ctx, 'eval 1+1')).rejects.toThrow(/unknown command 'eval'/);
    await expect(runShellLine(ctx, 'constructor')).rejects.toBeInstanceOf(ShellUsageError);
  });

  it('remsh commands — ping answers pang for a node nobody can reach', async () => {
    const { ctx } = fakeShell({ [SHELL_HANDLERS.nodes]: () => list });
    expect((await runShellLine(ctx, 'ping a@h')).output).toBe('pong');
    expect((await runShellLine(ctx, 'ping z@h')).output).toBe('pang');
  });

  it('remsh commands — a handler the target lacks is named in the error', async () => {
    const { ctx } = fakeShell({});
    await expect(runShellLine(ctx, 'registered')).rejects.toThrow(
      /does not offer 'registry.registered'/,
    );
  });

  it('remsh commands — whereis and publish build their arguments', async () => {
    const { ctx, calls } = fakeShell({
      'registry.whereis': () => 'b@h',
      'pubsub.publish': () => 3,
    });
    await runShellLine(ctx, 'whereis counter');
    await runShellLine(ctx, 'publish news {"headline": "up"}');
    expect(calls.map((c) => [c.handler, c.args])).toEqual([
      ['registry.whereis', { name: 'counter' }],
      ['pubsub.publish', { topic: 'news', message: { headline: 'up' } }],
    ]);
  });

  it('remsh commands — help lists every command and quit ends the shell', async () => {
    const { ctx } = fakeShell({});
    const help = helpText();
    for (const c of Object.values(SHELL_COMMANDS)) expect(help).toContain(c.usage);
    expect((await runShellLine(ctx, 'quit')).quit).toBe(true);
  });
});
