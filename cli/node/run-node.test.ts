import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode, Logger } from '../../cluster/api.ts';
import { startNode } from '../../cluster/index.ts';
import { until } from '../../cluster/testing/index.ts';
import { runNode, type RunningNode } from './run-node.ts';

const COOKIE = 'run-node-test-cookie';
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const silent = { out: () => undefined, err: () => undefined };
let seed: ClusterNode | undefined;
let running: RunningNode | undefined;

afterEach(async () => {
  await running?.stop();
  await seed?.close();
  running = seed = undefined;
});

describe('cli node run', () => {
  it('cli node run — the running discovery is handed out (for the agent) with what it found and tried', async () => {
    seed = await startNode({ name: 'seed', cookie: COOKIE, port: 0, logger: quiet });
    const target = `${seed.address.host}:${seed.address.port}`;
    running = await runNode(
      {
        name: 'b',
        host: '127.0.0.1',
        port: 0,
        cookie: COOKIE,
        hidden: false,
        connectAll: true,
        seeds: [target],
        discovery: 'static',
      },
      silent,
    );
    await until(() =>
      running!.discovery
        .recentEvents()
        .some((e) => e.kind === 'connect_result' && e.target === target && e.ok),
    );
    expect(running.discovery.strategy.name).toBe('static');
    expect(running.discovery.recentEvents()[0]).toMatchObject({
      kind: 'found',
      targets: [target],
    });
  });
});
