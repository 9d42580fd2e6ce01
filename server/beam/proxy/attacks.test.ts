/**
 * Attacks on the proxy over real sockets: what is not the distribution protocol is closed before
 * it reaches a node, and a lookup never hands out a node's own port.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listNames, lookupNode, registerNode } from '../../../cluster/erlang/epmd/client.ts';
import { startBeamProxy, type BeamProxy } from './beam-proxy.ts';
import { registerVictim, type Victim } from './testing/victim.ts';

let proxy: BeamProxy;
let victim: Victim;
let reached: number;

beforeEach(async () => {
  proxy = await startBeamProxy();
  reached = 0;
  victim = await registerVictim(proxy, (s) => {
    reached++;
    s.destroy();
  });
});

afterEach(async () => {
  await victim.close();
  await proxy.close();
});

function closedAfter(bytes: Buffer): Promise<{ closed: boolean; got: number }> {
  return new Promise((resolve) => {
    const port = proxy.proxyPort('victim')!;
    const s: Socket = connect({ host: '127.0.0.1', port }, () => s.write(bytes));
    let got = 0;
    s.on('data', (d: Buffer) => (got += d.length));
    s.on('error', () => undefined);
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ closed: false, got });
    }, 2_000);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, got });
    });
  });
}

describe('beam proxy attacks', () => {
  it('beam proxy attacks — lookups answer the proxy port, never the node port', async () => {
    const addr = { host: '127.0.0.1', port: proxy.epmdPort, timeoutMs: 2_000 };
    const entry = await lookupNode(addr, 'victim');
    expect(entry?.port).toBe(proxy.proxyPort('victim'));
    expect(entry?.port).not.toBe(victim.port);
    expect((await listNames(addr)).map((n) => n.port)).toEqual([proxy.proxyPort('victim')]);
  });

  it('beam proxy attacks — a first packet without a node name is closed before it reaches the node', async () => {
    const hello = Buffer.from('GET / HTTP/1.1\r\n');
    const r = await closedAfter(Buffer.concat([Buffer.of(0, hello.length), hello]));
    expect(r).toEqual({ closed: true, got: 0 });
    expect(reached).toBe(0);
    expect(proxy.connections()).toBe(0);
  });

  it('beam proxy attacks — a made-up node name that fails the handshake leaves no trace', async () => {
    const name = Buffer.from('ghost@127.0.0.1');
    const sendName = Buffer.concat([
      Buffer.from('N'),
      Buffer.alloc(8),
      Buffer.alloc(4),
      Buffer.of(0, name.length),
      name,
    ]);
    const r = await closedAfter(Buffer.concat([Buffer.of(0, sendName.length), sendName]));
    expect(r.closed).toBe(true);
    expect(reached).toBe(1); // a name is a name: the node itself decides, with the cookie
    expect(proxy.nodes()).toEqual([]);
    expect(proxy.traffic('ghost@127.0.0.1').channels).toEqual([]);
    expect(proxy.agent('ghost@127.0.0.1')).toBeUndefined();
  });

  it('beam proxy attacks — an oversized handshake length is refused at once, nothing buffered', async () => {
    const r = await closedAfter(Buffer.of(0xff, 0xff, 0x4e));
    expect(r.closed).toBe(true);
    expect(reached).toBe(0);
  });

  it('beam proxy attacks — a name with a host cannot be registered with the proxy EPMD', async () => {
    await expect(
      registerNode(
        { host: '127.0.0.1', port: proxy.epmdPort, timeoutMs: 2_000 },
        {
          name: 'x@evil',
          port: 1,
          nodeType: 77,
          protocol: 0,
          highestVersion: 6,
          lowestVersion: 6,
          extra: new Uint8Array(),
        },
      ),
    ).rejects.toThrow();
  });
});
