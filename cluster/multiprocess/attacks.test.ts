/**
 * The reflection attack against a real `observatory node --lab` process: a stranger without the
 * cookie, whose address the node dials (a seed), tries to get in and to call a lab handler.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode } from '../api.ts';
import { json, RawListener, RawPeer } from '../testing/attack-kit.ts';
import { startNode } from '../index.ts';
import { Kind } from '../wire/kinds.ts';
import { PayloadTag } from '../wire/payload.ts';
import { startCliNode, TEST_COOKIE } from './testing/cli-nodes.ts';
import { killAll } from './testing/processes.ts';

const cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  await killAll();
});

function rpcCall(id: number, handler: string, args: unknown): Buffer {
  const h = Buffer.from(handler);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(id, 0);
  head[4] = h.length;
  const payload = Buffer.from(JSON.stringify(args));
  return Buffer.concat([head, h, Buffer.from([PayloadTag.JSON]), payload]);
}

describe('multiprocess attacks', () => {
  it('multiprocess attacks — lab handlers answer a cookie holder and nobody who reflects the handshake', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attacks-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const evil = await RawListener.open();
    cleanup.push(() => evil.close());
    // the lab node dials the attacker, listed as its seed: connection 2
    const node = await startCliNode('lab', {
      args: [
        '--seeds',
        `127.0.0.1:${evil.port}`,
        '--shards',
        '--lab',
        '--members',
        'lab@127.0.0.1',
        '--store',
        `file:${join(dir, 'ledger.db')}`,
      ],
    });
    const conn2 = await evil.accept();
    const hello = json(await conn2.next(15_000));
    // connection 1: to the node, under another name, with the node's own hello
    const conn1 = RawPeer.dial(node.port);
    cleanup.push(() => conn1.close());
    await conn1.ready;
    conn1.sendJson(Kind.HELLO, { ...hello, name: 'evil@127.0.0.1' });
    const challenge = await conn1.next(10_000);
    expect(challenge?.kind).toBe(Kind.CHALLENGE);
    conn2.sendJson(Kind.CHALLENGE, { ...json(challenge), name: 'mirror@127.0.0.1' });
    const reply = await conn2.next(10_000);
    if (reply?.kind === Kind.CHALLENGE_REPLY) conn1.send(reply.kind, reply.body);
    const answer = await conn1.next(5_000);
    conn1.send(Kind.RPC_CALL, rpcCall(1, 'lab.status', null));
    const afterCall = await conn1.next(2_000);
    expect(answer?.kind).not.toBe(Kind.CHALLENGE_ACK);
    expect(afterCall?.kind ?? null).not.toBe(Kind.RPC_REPLY);

    // the handler is there, for a node that knows the cookie
    const friend: ClusterNode = await startNode({ name: 'friend', cookie: TEST_COOKIE });
    cleanup.push(() => friend.close());
    expect(await friend.connect(node.target)).toBe(true);
    const status = await friend.call(node.name, 'lab.status', null, { timeoutMs: 10_000 });
    expect(typeof status).toBe('object');
  }, 90_000);
});
