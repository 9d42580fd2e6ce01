/**
 * Attacks on the node handshake, over real sockets, by a stranger without the cookie: reflection,
 * a man in the middle that edits the transcript, name squatting and forged refusals.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode } from './api.ts';
import { json, RawListener, RawPeer, tamper } from './testing/attack-kit.ts';
import { closeAll, startNodes, targetOf, until } from './testing/index.ts';
import { encodeFrame } from './wire/encoder.ts';
import { FrameParser } from './wire/framing.ts';
import { Kind } from './wire/kinds.ts';
import { PayloadTag } from './wire/payload.ts';

let nodes: ClusterNode[] = [];
const cleanup: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) c();
  await closeAll(nodes);
});

async function listener(): Promise<RawListener> {
  const l = await RawListener.open();
  cleanup.push(() => l.close());
  return l;
}

function dial(port: number, localAddress?: string): RawPeer {
  const p = RawPeer.dial(port, localAddress);
  cleanup.push(() => p.close());
  return p;
}

/** An RPC_CALL frame body: u32 id, u8 handler name, JSON payload. */
function rpcCall(id: number, handler: string, args: unknown): Buffer {
  const h = Buffer.from(handler);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(id, 0);
  head[4] = h.length;
  return Buffer.concat([
    head,
    h,
    Buffer.from([PayloadTag.JSON]),
    Buffer.from(JSON.stringify(args)),
  ]);
}

/**
 * A stranger claims `member`'s name at `victim` and stalls there, mid-handshake: it learns the
 * member's HELLO by letting the member dial it, then replays it to the victim.
 */
async function squatAs(member: ClusterNode, victim: ClusterNode): Promise<void> {
  const evil = await listener();
  void member.connect(`127.0.0.1:${evil.port}`);
  const memberHello = (await (await evil.accept()).next())!;
  const squatter = dial(victim.address.port);
  await squatter.ready;
  squatter.send(memberHello.kind, memberHello.body);
  expect((await squatter.next())?.kind).toBe(Kind.CHALLENGE);
}

const HANDSHAKE_KINDS = [Kind.HELLO, Kind.CHALLENGE, Kind.CHALLENGE_REPLY, Kind.CHALLENGE_ACK];

/**
 * A TCP proxy to `upstreamPort` that, in the `nth` handshake frame of kind `kind` it sees, replaces
 * field `field` with a tampered value of the same type; everything else passes unchanged.
 */
async function mitm(
  upstreamPort: number,
  kind: number,
  field: string,
): Promise<{ port: number; tampered: () => boolean }> {
  let done = false;
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: upstreamPort });
    const pipe = (from: net.Socket, to: net.Socket): void => {
      const parser = new FrameParser(1 << 30, (buf, start, end) => {
        const k = buf[start]!;
        if (!done && k === kind) {
          const body = JSON.parse(buf.toString('utf8', start + 1, end)) as Record<string, unknown>;
          if (field in body) {
            body[field] = tamper(body[field]);
            done = true;
            to.write(encodeFrame(k, JSON.stringify(body)));
            return;
          }
        }
        to.write(Buffer.from(buf.subarray(start - 4, end)));
      });
      from.on('data', (c: Buffer) => {
        try {
          parser.push(c);
        } catch {
          from.destroy();
        }
      });
      from.on('close', () => to.destroy());
      from.on('error', () => {});
    };
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => server.close());
  return { port: (server.address() as net.AddressInfo).port, tampered: () => done };
}

/** The field names of each handshake message, as two honest nodes exchange them. */
async function handshakeFields(a: ClusterNode, b: ClusterNode): Promise<Map<number, string[]>> {
  const seen = new Map<number, string[]>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: b.address.port });
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      const parser = new FrameParser(1 << 30, (buf, start, end) => {
        const k = buf[start]!;
        if (HANDSHAKE_KINDS.includes(k as never) && !seen.has(k))
          seen.set(k, Object.keys(JSON.parse(buf.toString('utf8', start + 1, end)) as object));
        to.write(Buffer.from(buf.subarray(start - 4, end)));
      });
      from.on('data', (c: Buffer) => parser.push(c));
      from.on('close', () => to.destroy());
      from.on('error', () => {});
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  expect(await a.connect(`127.0.0.1:${port}`)).toBe(true);
  a.disconnect(b.name);
  await until(() => b.nodes({ hidden: true }).length === 0, 5_000, 'disconnect');
  server.close();
  return seen;
}

describe('attacks — handshake', () => {
  it('attacks — a reflected challenge answer does not get a stranger in, nor run a handler', async () => {
    nodes = await startNodes(1);
    const [victim] = nodes as [ClusterNode];
    let ran = 0;
    victim.handle('secret', () => ++ran);
    const evil = await listener();
    // the victim dials the attacker (a seed, a discovered address): connection 2
    const dialed = victim.connect(`127.0.0.1:${evil.port}`);
    const conn2 = await evil.accept();
    const victimHello = json(await conn2.next());
    // connection 1: the attacker to the victim, copying the victim's own hello under another name
    const conn1 = dial(victim.address.port);
    await conn1.ready;
    conn1.sendJson(Kind.HELLO, { ...victimHello, name: 'evil@127.0.0.1', hidden: false });
    const challenge1 = await conn1.next();
    expect(challenge1?.kind).toBe(Kind.CHALLENGE);
    // hand the victim its own challenge on connection 2, and its answer back on connection 1
    conn2.sendJson(Kind.CHALLENGE, { ...json(challenge1), name: 'mirror@127.0.0.1' });
    const reply2 = await conn2.next(2_000);
    if (reply2 !== null && reply2.kind === Kind.CHALLENGE_REPLY)
      conn1.send(reply2.kind, reply2.body);
    const answer = await conn1.next(2_000);
    conn1.send(Kind.RPC_CALL, rpcCall(1, 'secret', null));
    await new Promise((r) => setTimeout(r, 200));
    expect(answer?.kind).not.toBe(Kind.CHALLENGE_ACK);
    expect(victim.nodes({ hidden: true })).toEqual([]);
    expect(ran).toBe(0);
    conn2.close();
    expect(await dialed).toBe(false);
  });

  it('attacks — a man in the middle who edits any field of the handshake makes it fail', async () => {
    nodes = await startNodes(2, { handshakeTimeoutMs: 1_500 });
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    const fields = await handshakeFields(a, b);
    expect([...fields.keys()].sort()).toEqual([...HANDSHAKE_KINDS].sort());
    const cases = [...fields].flatMap(([kind, names]) => names.map((f) => [kind, f] as const));
    expect(cases.length).toBeGreaterThanOrEqual(10);
    const passed: string[] = [];
    for (const [kind, field] of cases) {
      const proxy = await mitm(b.address.port, kind, field);
      const ok = await a.connect(`127.0.0.1:${proxy.port}`);
      expect(proxy.tampered()).toBe(true);
      // a link the acceptor took up before the initiator refused it must go down again
      await until(
        () => a.nodes({ hidden: true }).length === 0 && b.nodes({ hidden: true }).length === 0,
        2_000,
        `no link after tampering ${kind}.${field}`,
      ).catch(() => undefined);
      if (ok || a.nodes({ hidden: true }).length > 0 || b.nodes({ hidden: true }).length > 0) {
        passed.push(`${kind}.${field}`);
        for (const n of [a, b]) for (const peer of n.nodes({ hidden: true })) n.disconnect(peer);
      }
    }
    expect(passed).toEqual([]);
  });

  it('attacks — a stranger claiming a member’s name does not keep the member out', async () => {
    nodes = await startNodes(2, { handshakeTimeoutMs: 4_000 });
    const [victim, member] = nodes as [ClusterNode, ClusterNode];
    await squatAs(member, victim);
    expect(await member.connect(targetOf(victim))).toBe(true);
    expect(victim.nodes()).toEqual([member.name]);
    expect(member.nodes()).toEqual([victim.name]);
  });

  it('attacks — a stranger claiming a member’s name only delays our own dial to the member', async () => {
    nodes = await startNodes(2, { handshakeTimeoutMs: 1_500 });
    const [victim, member] = nodes as [ClusterNode, ClusterNode];
    await squatAs(member, victim);
    // the victim's dial waits for that claim to end (its handshake timeout), then dials anyway
    expect(await victim.connect(targetOf(member))).toBe(true);
    expect(victim.nodes()).toEqual([member.name]);
    expect(member.nodes()).toEqual([victim.name]);
  });

  it('attacks — a forged refusal or a claimed name never makes connect() report success', async () => {
    nodes = await startNodes(2);
    const [a, b] = nodes as [ClusterNode, ClusterNode];
    expect(await a.connect(targetOf(b))).toBe(true);
    const answers: [string, (p: RawPeer, hello: Record<string, unknown>) => void][] = [
      ['REJECT duplicate', (p) => p.sendJson(Kind.REJECT, { reason: 'duplicate', name: b.name })],
      [
        'REJECT simultaneous',
        (p) => p.sendJson(Kind.REJECT, { reason: 'simultaneous', name: b.name }),
      ],
      // a challenge under the name of a peer we are linked to, never answered further
      [
        'CHALLENGE as b',
        (p, hello) =>
          p.sendJson(Kind.CHALLENGE, {
            ...hello,
            name: b.name,
            addr: `127.0.0.1:${b.address.port}`,
            challenge: Buffer.alloc(32, 7).toString('base64'),
          }),
      ],
    ];
    const outcomes: Record<string, boolean> = {};
    for (const [label, answer] of answers) {
      const evil = await listener();
      const result = a.connect(`127.0.0.1:${evil.port}`);
      const peer = await evil.accept();
      answer(peer, json(await peer.next()));
      const timer = setTimeout(() => peer.close(), 1_000);
      outcomes[label] = await result;
      clearTimeout(timer);
    }
    expect(outcomes).toEqual({
      'REJECT duplicate': false,
      'REJECT simultaneous': false,
      'CHALLENGE as b': false,
    });
    expect(a.nodes()).toEqual([b.name]);
  });
});
