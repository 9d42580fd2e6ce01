/**
 * What the TS node refuses: another cookie (both directions), malformed terms and truncated
 * frames after a valid handshake (that link closes, the node and its other links stay up).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '../clock.ts';
import { DistConnection } from './dist/connection.ts';
import { OUR_FLAGS } from './constants.ts';
import { lookupNode } from './epmd/client.ts';
import { encode } from './etf/encode.ts';
import { formatTerm } from './format.ts';
import { startErlangNode, type ErlangNode } from './index.ts';
import { atom, tuple } from './terms.ts';
import { recordingLogger, startPair, type Pair } from './testing/fixture.ts';

const TS = "'ts1@127.0.0.1'";
const ERL = 'checker@127.0.0.1';

describe('erlang refusals', () => {
  let p: Pair;
  beforeAll(async () => {
    p = await startPair({}, 4, 'right-cookie');
  });
  afterAll(() => p.close());

  it('cookie — erl with another cookie gets pang, and the TS node logs the refused attempt', async () => {
    const logger = recordingLogger();
    const other = await startErlangNode({
      name: 'other@127.0.0.1',
      cookie: 'wrong-cookie',
      epmdPort: p.epmdPort,
      logger,
    });
    try {
      const r = await p.erl.eval(`net_adm:ping('other@127.0.0.1')`);
      expect(formatTerm(r)).toBe('{ok,pang}');
      expect(logger.lines.join('\n')).toMatch(/warn .*wrong cookie.*checker@127\.0\.0\.1/);
      expect(other.nodes()).toEqual([]);
      // and the TS node with another cookie cannot reach erl either
      expect(await other.ping(ERL)).toBe('pang');
      await expect(other.connect(ERL)).rejects.toThrow(/cookie|handshake/);
      // while the one with the right cookie can (the test above can fail)
      expect(formatTerm(await p.erl.eval(`net_adm:ping(${TS})`))).toBe('{ok,pong}');
    } finally {
      await other.close();
    }
  });

  async function rawLink(ts: ErlangNode, name: string, cookie: string) {
    const entry = await lookupNode({ host: '127.0.0.1', port: p.epmdPort, timeoutMs: 2000 }, 'ts1');
    const socket = connect({ host: '127.0.0.1', port: entry!.port });
    await new Promise((r) => socket.once('connect', r));
    const conn = new DistConnection(socket, {
      name,
      cookie,
      flags: OUR_FLAGS,
      creation: () => 1,
      ticktimeMs: 60_000,
      handshakeTimeoutMs: 5000,
      maxFrameBytes: 1 << 20,
      decode: {},
      clock: systemClock,
      logger: silentLogger,
      onFrame: () => {},
      admit: () => 'ok',
    });
    await conn.initiate(ts.name);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    return { socket, conn, closed };
  }

  const frame = (body: Buffer) => {
    const h = Buffer.alloc(4);
    h.writeUInt32BE(body.length);
    return Buffer.concat([h, body]);
  };

  const attacks: [string, Buffer][] = [
    ['a frame of garbage', frame(Buffer.from([112, 131, 255, 1, 2, 3]))],
    [
      'a truncated control term',
      frame(Buffer.concat([Buffer.of(112), encode(tuple(6, 1)).subarray(0, 4)])),
    ],
    [
      'a message term cut short',
      frame(
        Buffer.concat([
          Buffer.of(112),
          encode(tuple(6, atom(''), atom(''), atom('echo'))),
          encode('x'.repeat(100)).subarray(0, 50),
        ]),
      ),
    ],
    [
      'a list claiming 2^31 elements',
      frame(Buffer.from([112, 131, 108, 0x7f, 0xff, 0xff, 0xff, 106])),
    ],
    ['a frame without the pass-through byte', frame(Buffer.from([1, 2, 3]))],
  ];

  for (const [what, bytes] of attacks) {
    it(`malformed — ${what} after a valid handshake closes that link only`, async () => {
      expect(formatTerm(await p.erl.eval(`net_adm:ping(${TS})`))).toBe('{ok,pong}');
      const raw = await rawLink(p.ts, 'raw@127.0.0.1', 'right-cookie');
      expect(p.ts.nodes()).toContain('raw@127.0.0.1');
      raw.socket.write(bytes);
      await raw.closed;
      expect(p.ts.nodes()).not.toContain('raw@127.0.0.1');
      expect(p.logger.lines.join('\n')).toMatch(/malformed frame.*raw@127\.0\.0\.1/);
      // the erl link and the node's services are unaffected
      expect(p.ts.nodes()).toContain(ERL);
      expect(formatTerm(await p.erl.eval(`rpc:call(${TS}, erlang, node, [])`))).toBe(`{ok,${TS}}`);
    });
  }

  it('malformed — an oversized frame length is refused before it is read', async () => {
    const raw = await rawLink(p.ts, 'big@127.0.0.1', 'right-cookie');
    raw.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    await raw.closed;
    expect(p.ts.nodes()).toEqual([ERL]);
  });
});
