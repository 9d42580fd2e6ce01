import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode, Logger } from './api.ts';
import { startNode } from './index.ts';
import { BadArgumentError, MessageTooLargeError } from './errors.ts';
import { closeAll, COOKIE, nextEvent, startNodes, targetOf, until } from './testing/index.ts';

let nodes: ClusterNode[] = [];
afterEach(() => closeAll(nodes));

const KiB = 1024;

describe('limits — maximum message size', () => {
  it('limits — send, call and a reply over maxMessageBytes fail with a clear error, smaller ones pass', async () => {
    nodes = await startNodes(2, { maxMessageBytes: 100 * KiB });
    // (both ends share the limit, as a cluster's nodes do)
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    expect(await a.connect(targetOf(b))).toBe(true);
    const got: number[] = [];
    b.register('inbox', (m) => void got.push((m as Uint8Array).length));
    b.handle('big', (n) => new Uint8Array(n as number));
    // 90 KiB travels as fragments, under the limit
    a.send({ node: b.name, name: 'inbox' }, new Uint8Array(90 * KiB));
    await until(() => got.length === 1, 5_000, 'delivery');
    expect(got).toEqual([90 * KiB]);
    expect(() => a.send({ node: b.name, name: 'inbox' }, new Uint8Array(200 * KiB))).toThrow(
      /exceeds the maximum message size \(maxMessageBytes\) of 102400/,
    );
    await expect(a.call(b.name, 'big', 'x'.repeat(200 * KiB))).rejects.toBeInstanceOf(
      MessageTooLargeError,
    );
    await expect(a.call(b.name, 'big', 200 * KiB)).rejects.toMatchObject({
      code: 'message_too_large',
    });
    expect(((await a.call(b.name, 'big', 10)) as Uint8Array).length).toBe(10);
    expect(a.nodes()).toEqual([b.name]); // nothing of this cost the link
  });

  it('limits — a peer announcing more than our maximum is cut off with a protocol error that says so', async () => {
    const warnings: string[] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn: (m, d) => warnings.push(`${m} ${JSON.stringify(d)}`),
      error() {},
    };
    const small = await startNode({
      name: 'small',
      cookie: COOKIE,
      maxMessageBytes: 50 * KiB,
      logger,
    });
    const big = await startNode({ name: 'big', cookie: COOKIE });
    nodes = [small, big];
    expect(await big.connect(targetOf(small))).toBe(true);
    // a whole frame (under the fragment size) and a fragmented message
    for (const size of [60 * KiB, 300 * KiB]) {
      const down = nextEvent(small, (e) => e.event === 'nodedown');
      const seen = nextEvent(big, (e) => e.event === 'nodedown');
      big.send({ node: small.name, name: 'inbox' }, new Uint8Array(size));
      expect(await down).toMatchObject({ node: big.name, reason: 'protocol_error' });
      await seen;
      expect(await big.connect(targetOf(small))).toBe(true);
    }
    expect(warnings.join('\n')).toMatch(
      /sent a message of \d+ bytes, which exceeds the maximum message size \(maxMessageBytes\) of 51200/,
    );
  });

  it('limits — bad limits are refused at start', async () => {
    await expect(
      startNode({ name: 'x', cookie: COOKIE, maxMessageBytes: 10 }),
    ).rejects.toBeInstanceOf(BadArgumentError);
    await expect(
      startNode({ name: 'x', cookie: COOKIE, maxPendingHandshakesPerAddress: 0 }),
    ).rejects.toThrow(/maxPendingHandshakesPerAddress/);
  });
});
