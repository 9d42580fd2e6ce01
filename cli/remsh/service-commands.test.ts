/**
 * The remsh entries for the registry and pub/sub, against the real handlers that
 * `startRegistry` and `startPubSub` register (a node on port 0 calling itself).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode, Logger, Payload } from '../../cluster/api.ts';
import { startNode } from '../../cluster/index.ts';
import { startPubSub } from '../../cluster/pubsub/index.ts';
import { startRegistry } from '../../cluster/registry/index.ts';
import {
  formatRegistered,
  parsePublish,
  runShellLine,
  ShellUsageError,
  type ShellContext,
} from './commands.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
let node: ClusterNode | undefined;

afterEach(async () => {
  await node?.close();
  node = undefined;
});

async function shellOnServices() {
  node = await startNode({ name: 'a', cookie: 'remsh-services', port: 0, logger: quiet });
  const registry = startRegistry(node);
  const pubsub = startPubSub(node);
  const ctx: ShellContext = { local: node, target: node.name, timeoutMs: 2_000 };
  return { node, registry, pubsub, ctx };
}

describe('remsh service commands', () => {
  it('remsh service commands — publish parses a topic and a required JSON message', () => {
    expect(parsePublish('news {"n": [1, 2]}')).toEqual({ topic: 'news', message: { n: [1, 2] } });
    expect(parsePublish('news "plain"')).toEqual({ topic: 'news', message: 'plain' });
    expect(() => parsePublish('')).toThrow(ShellUsageError);
    expect(() => parsePublish('news')).toThrow(/missing message/);
    expect(() => parsePublish('news {oops')).toThrow(/must be JSON/);
  });

  it('remsh service commands — registered prints one sorted line per name', () => {
    const rows: Payload = [
      { name: 'zeta', node: 'b@h', at: 2 },
      { name: 'alpha', node: 'a@h', at: 1 },
    ];
    expect(formatRegistered(rows).split('\n')).toEqual([
      expect.stringMatching(/^alpha\s+a@h$/),
      expect.stringMatching(/^zeta\s+b@h$/),
    ]);
    expect(formatRegistered([])).toBe('(no names registered)');
  });

  it('remsh service commands — registered, whereis and publish work against the real handlers', async () => {
    const { node: a, registry, pubsub, ctx } = await shellOnServices();
    expect((await runShellLine(ctx, 'registered')).output).toBe('(no names registered)');
    expect(await registry.register('leader')).toBe(true);
    expect((await runShellLine(ctx, 'registered')).output).toMatch(
      new RegExp(`^leader\\s+${a.name}$`),
    );
    expect((await runShellLine(ctx, 'whereis leader')).output).toBe(a.name);
    expect((await runShellLine(ctx, 'whereis nobody')).output).toBe('nobody is not registered');
    await expect(runShellLine(ctx, 'whereis')).rejects.toThrow(ShellUsageError);

    const got: Payload[] = [];
    pubsub.subscribe('news', (message) => got.push(message));
    const published = await runShellLine(ctx, 'publish news {"headline": "up"}');
    expect(published.output).toMatch(/^published to 0 nodes/);
    expect(got).toEqual([{ headline: 'up' }]);
  });
});
