import { describe, expect, it } from 'vitest';
import type { Payload } from './api.ts';
import { TimeoutError } from './errors.ts';
import { FakeClock } from './fake-clock.ts';
import { Rpc, type RpcPort } from './rpc.ts';

/** An Rpc whose peer `b` never answers by itself; `sent` records calls and cancels. */
function rpcWithSilentPeer() {
  const clock = new FakeClock();
  const sent: string[] = [];
  const port: RpcPort = {
    self: 'a@h',
    clock,
    isConnected: () => true,
    sendCall: (_n, id, handler) => sent.push(`call ${id} ${handler}`),
    sendCast: () => undefined,
    sendCancel: (_n, id) => sent.push(`cancel ${id}`),
    sendReply: () => true,
    sendError: () => true,
    hasRpcListeners: () => false,
    emitRpc: () => undefined,
    warn: () => undefined,
  };
  return { rpc: new Rpc(port), clock, sent };
}

function outcome(p: Promise<Payload>, log: string[], name: string, clock: FakeClock): void {
  p.then(
    (v) => log.push(`${name} ok ${JSON.stringify(v)} @${clock.now()}`),
    (e: unknown) =>
      log.push(`${name} ${e instanceof TimeoutError ? 'timeout' : String(e)} @${clock.now()}`),
  );
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('rpc timeouts', () => {
  it('rpc — calls with different timeouts each fail at their own deadline; answered calls never do', async () => {
    const { rpc, clock, sent } = rpcWithSilentPeer();
    const log: string[] = [];
    outcome(rpc.call('b@h', 'slow', null, { timeoutMs: 100 }), log, 'c100', clock);
    outcome(rpc.call('b@h', 'slow', null, { timeoutMs: 50 }), log, 'c50', clock);
    outcome(rpc.call('b@h', 'slow', null, { timeoutMs: 200 }), log, 'c200', clock);
    outcome(rpc.call('b@h', 'fast', null, { timeoutMs: 60 }), log, 'c60', clock);
    rpc.replied(4, 'done');
    for (let t = 0; t < 250; t += 10) {
      clock.advance(10);
      await flush();
    }
    expect(log).toEqual([
      'c60 ok "done" @10',
      'c50 timeout @50',
      'c100 timeout @100',
      'c200 timeout @200',
    ]);
    // the peer is told to stop serving each call that timed out
    expect(sent.filter((s) => s.startsWith('cancel'))).toEqual([
      'cancel 2',
      'cancel 1',
      'cancel 3',
    ]);
  });

  it('rpc — a later call with a shorter timeout is not held back by an earlier, longer one', async () => {
    const { rpc, clock } = rpcWithSilentPeer();
    const log: string[] = [];
    outcome(rpc.call('b@h', 'slow', null, { timeoutMs: 1_000 }), log, 'long', clock);
    clock.advance(100);
    outcome(rpc.call('b@h', 'slow', null, { timeoutMs: 20 }), log, 'short', clock);
    clock.advance(20);
    await flush();
    expect(log).toEqual(['short timeout @120']);
    clock.advance(880);
    await flush();
    expect(log).toEqual(['short timeout @120', 'long timeout @1000']);
  });
});
