import { describe, expect, it } from 'vitest';
import type { MembershipEvent } from '../../cluster/api.ts';
import { keepSeedsConnected } from './seeds.ts';

function fakeNode(answers: boolean[]) {
  const attempts: string[] = [];
  let listener: ((e: MembershipEvent) => void) | undefined;
  const linked = new Map<string, string>();
  const node = {
    address: { host: '127.0.0.1', port: 9101 },
    connect(target: string) {
      attempts.push(target);
      const ok = answers.shift() ?? false;
      if (ok) linked.set(`peer-${target}`, target);
      return Promise.resolve(ok);
    },
    nodes: () => [...linked.keys()],
    addressOf: (peer: string) => linked.get(peer),
    monitorNodes(l: (e: MembershipEvent) => void) {
      listener = l;
      return () => {
        listener = undefined;
      };
    },
  };
  const down = () => {
    linked.clear();
    listener?.({ event: 'nodedown', node: 'b@h', hidden: false, reason: 'timeout', at: 0 });
  };
  /** another link went down: the seed is still linked and must not be dialled again */
  const otherDown = () =>
    listener?.({
      event: 'nodedown',
      node: 'x@h',
      hidden: true,
      reason: 'connection_closed',
      at: 0,
    });
  return { node, attempts, down, otherDown, subscribed: () => listener !== undefined };
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('cli seeds', () => {
  it('cli seeds — retries a seed until it answers, then waits', async () => {
    const f = fakeNode([false, false, true]);
    const loop = keepSeedsConnected(f.node, ['127.0.0.1:9102'], { initialMs: 1, maxMs: 2 });
    await settle(100);
    expect(f.attempts).toEqual(['127.0.0.1:9102', '127.0.0.1:9102', '127.0.0.1:9102']);
    loop.stop();
  });

  it('cli seeds — redials only a seed that went down, and stops cleanly', async () => {
    const f = fakeNode([true, true]);
    const loop = keepSeedsConnected(f.node, ['127.0.0.1:9102'], { initialMs: 1, maxMs: 2 });
    await settle(20);
    expect(f.attempts).toHaveLength(1);
    f.otherDown();
    await settle(20);
    expect(f.attempts).toHaveLength(1);
    f.down();
    await settle(20);
    expect(f.attempts).toHaveLength(2);
    loop.stop();
    expect(f.subscribed()).toBe(false);
    f.down();
    await settle(20);
    expect(f.attempts).toHaveLength(2);
  });

  it('cli seeds — never dials its own address', async () => {
    const f = fakeNode([]);
    const loop = keepSeedsConnected(f.node, ['127.0.0.1:9101'], { initialMs: 1 });
    await settle(20);
    expect(f.attempts).toEqual([]);
    loop.stop();
  });
});
