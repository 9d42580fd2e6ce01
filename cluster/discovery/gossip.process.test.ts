import dgram from 'node:dgram';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  killAll,
  REPO_ROOT,
  spawnTsx,
  type ChildHandle,
} from '../multiprocess/testing/processes.ts';

const FIXTURE = resolve(REPO_ROOT, 'cluster/discovery/fixtures/gossip-node.ts');
const START_MS = 30_000;

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(r));
  return port;
}

afterEach(async () => {
  await killAll();
});

describe('gossip discovery between processes', () => {
  it('gossip discovery — two processes mesh by multicast; a third with another cookie is ignored', async () => {
    const group = '239.255.43.' + String(1 + (process.pid % 200));
    const port = String(await freeUdpPort());
    const spawnNode = (name: string, cookie: string): ChildHandle =>
      spawnTsx(name, FIXTURE, [name, cookie, group, port]);
    const a = spawnNode('ga', 'shared');
    const b = spawnNode('gb', 'shared');
    const intruder = spawnNode('gx', 'wrong');
    const [la, lb] = await Promise.all(
      [a, b, intruder].map((c) => c.stdout.event<{ node: string }>('listening', {}, START_MS)),
    );
    await a.stdout.event('nodeup', { node: lb!.value.node }, 10_000);
    await b.stdout.event('nodeup', { node: la!.value.node }, 10_000);
    // the intruder's announcements fail authentication and it never joins
    await a.stdout.event('ignored', { reason: 'unauthenticated' }, 10_000);
    expect(a.stdout.all().some((l) => l.text.includes('"node":"gx@'))).toBe(false);
  });
});
