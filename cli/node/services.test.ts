import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode, Logger } from '../../cluster/api.ts';
import { startDiscovery, type DiscoveryEvent } from '../../cluster/discovery/index.ts';
import { FakeClock } from '../../cluster/fake-clock.ts';
import { startNode } from '../../cluster/index.ts';
import { until } from '../../cluster/testing/index.ts';
import { formatDiscovery } from './events.ts';
import { startNodeServices, type NodeServices } from './services.ts';

const COOKIE = 'services-test-cookie';
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const nodes: ClusterNode[] = [];
const services: NodeServices[] = [];

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

async function node(name: string): Promise<ClusterNode> {
  const n = await startNode({ name, cookie: COOKIE, port: 0, logger: quiet });
  nodes.push(n);
  return n;
}

describe('cli node services', () => {
  it('cli node services — static discovery links the seeds; registry and pub/sub answer remsh handlers', async () => {
    const a = await node('a');
    const b = await node('b');
    const events: DiscoveryEvent[] = [];
    services.push(
      await startNodeServices(a, {
        discovery: { strategy: 'static', seeds: [] },
        cookie: COOKIE,
        logger: quiet,
      }),
    );
    const onB = await startNodeServices(b, {
      discovery: { strategy: 'static', seeds: [`${a.address.host}:${a.address.port}`] },
      cookie: COOKIE,
      logger: quiet,
      onDiscoveryEvent: (e) => events.push(e),
    });
    services.push(onB);
    await until(() => b.nodes().includes(a.name));
    expect(events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['found', 'connect_attempt', 'connect_result']),
    );

    expect(await onB.registry.register('leader')).toBe(true);
    await until(() => services[0]?.registry.whereis('leader') === b.name);
    expect(await a.call(a.name, 'registry.whereis', { name: 'leader' })).toBe(b.name);
    expect(await a.call(a.name, 'registry.registered', null)).toEqual([
      expect.objectContaining({ name: 'leader', node: b.name }),
    ]);
    const got: unknown[] = [];
    onB.pubsub.subscribe('news', (message) => got.push(message));
    await until(() => {
      void a.call(a.name, 'pubsub.publish', { topic: 'news', message: { n: 1 } });
      return got.length > 0;
    });
    expect(got[0]).toEqual({ n: 1 });
  });

  it('cli node services — stop removes the services from the node', async () => {
    const a = await node('a');
    const s = await startNodeServices(a, {
      discovery: { strategy: 'static', seeds: [] },
      cookie: COOKIE,
      logger: quiet,
    });
    expect(a.registeredNames()).toEqual(expect.arrayContaining(['$registry']));
    await s.stop();
    expect(a.registeredNames()).not.toEqual(expect.arrayContaining(['$registry']));
  });

  it('cli node services — a seed that is already linked is not dialled again', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const dialled: string[] = [];
    const discovery = await startDiscovery(
      {
        name: 'self@127.0.0.1',
        address: { host: '127.0.0.1', port: 9101 },
        connect: (target) => {
          dialled.push(target);
          return Promise.resolve(true);
        },
        nodes: () => ['b@127.0.0.1'],
        addressOf: (peer) => (peer === 'b@127.0.0.1' ? '127.0.0.1:9102' : undefined),
      },
      { strategy: 'static', seeds: ['127.0.0.1:9102', '127.0.0.1:9101'] },
      { clock },
    );
    await clock.advanceAsync(10_000);
    expect(dialled).toEqual([]);
    await discovery.stop();
  });

  it('cli node services — discovery events print as JSON lines, and as text only when actionable', () => {
    const found: DiscoveryEvent = { kind: 'found', strategy: 'dns', targets: ['h:1'], at: 3 };
    expect(JSON.parse(formatDiscovery(found, 'json') ?? '')).toEqual({
      event: 'discovery',
      kind: 'found',
      strategy: 'dns',
      targets: ['h:1'],
      at: 3,
    });
    expect(formatDiscovery(found, 'text')).toBe('discovery dns found h:1');
    const attempt: DiscoveryEvent = {
      kind: 'connect_attempt',
      strategy: 'static',
      target: 'h:1',
      attempt: 1,
      at: 4,
    };
    expect(formatDiscovery(attempt, 'text')).toBeUndefined();
  });
});
