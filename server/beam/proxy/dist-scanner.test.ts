import { describe, expect, it } from 'vitest';
import { DistScanner, handshakeName, type ScanSink } from './dist-scanner.ts';

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};
const framed = (body: Buffer) => Buffer.concat([u32(body.length), body]);
const packet = (body: Buffer) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(body.length);
  return Buffer.concat([b, body]);
};
const smallAtom = (s: string) => Buffer.concat([Buffer.of(119, s.length), Buffer.from(s)]);
const pid = (node: Buffer, id: number, serial: number) =>
  Buffer.concat([Buffer.of(88), node, u32(id), u32(serial), u32(1)]);

function sendName(name: string): Buffer {
  const n = Buffer.from(name);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(n.length);
  return Buffer.concat([Buffer.from('N'), u64(0x1234), u32(7), len, n]);
}

// {6, FromPid, '', sink} with `sink` and the pid's node as new atom cache entries (segments 0, 1)
const headerNew = Buffer.concat([
  Buffer.of(131, 68, 2, 0x98, 0x00),
  Buffer.of(5, 4),
  Buffer.from('sink'),
  Buffer.of(7, 4),
  Buffer.from('b1@h'),
]);
const regSendNew = Buffer.concat([
  headerNew,
  Buffer.of(104, 4, 97, 6),
  pid(Buffer.of(82, 1), 80, 0),
  smallAtom(''),
  Buffer.of(82, 0),
  Buffer.of(97, 42), // the message
]);
// The same destination through a cached reference only
const regSendCached = Buffer.concat([
  Buffer.of(131, 68, 1, 0x00, 5),
  Buffer.of(104, 4, 97, 6),
  pid(smallAtom('b1@h'), 80, 0),
  smallAtom(''),
  Buffer.of(82, 0),
  Buffer.of(109),
  u32(3),
  Buffer.from('abc'),
]);
// SEND_SENDER to <0.77.3>, pass-through form (no header, version byte on the control)
const sendPid = Buffer.concat([
  Buffer.of(112, 131, 104, 3, 97, 22),
  pid(smallAtom('b1@h'), 80, 0),
  pid(smallAtom('b2@h'), 77, 3),
  Buffer.of(131, 106),
]);
// A message in three fragments: REG_SEND to `big`
const fragStart = Buffer.concat([
  Buffer.of(131, 69),
  u64(9),
  u64(3),
  Buffer.of(0),
  Buffer.of(104, 4, 97, 6),
  pid(smallAtom('b1@h'), 80, 0),
  smallAtom(''),
  smallAtom('big'),
  Buffer.of(109),
  u32(2000),
  Buffer.alloc(100, 1),
]);
const frag2 = Buffer.concat([Buffer.of(131, 70), u64(9), u64(2), Buffer.alloc(1000, 2)]);
const frag1 = Buffer.concat([Buffer.of(131, 70), u64(9), u64(1), Buffer.alloc(900, 3)]);
// MONITOR_P, no payload
const monitor = Buffer.concat([
  Buffer.of(131, 68, 0),
  Buffer.of(104, 4, 97, 19),
  pid(smallAtom('b1@h'), 80, 0),
  smallAtom('sink'),
  Buffer.of(90, 0, 1),
  smallAtom('b1@h'),
  u32(1),
  u32(99),
]);

const stream = Buffer.concat([
  packet(sendName('b1@h')),
  packet(Buffer.concat([Buffer.from('r'), u32(1), Buffer.alloc(16)])),
  framed(regSendNew),
  framed(Buffer.alloc(0)),
  framed(regSendCached),
  framed(sendPid),
  framed(fragStart),
  framed(monitor), // fragments of one message may be interleaved with other frames
  framed(frag2),
  framed(frag1),
]);

const expected = [
  'handshake 2+19',
  'handshake 2+21',
  `reg:sink ${4 + regSendNew.length} 1`,
  'tick',
  `reg:sink ${4 + regSendCached.length} 1`,
  `pid:<0.77.3> ${4 + sendPid.length} 1`,
  `ctl:monitor ${4 + monitor.length} 1`,
  `reg:big ${12 + fragStart.length + frag2.length + frag1.length} 3`,
];

function recorder(): { sink: ScanSink; seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    sink: {
      handshake: (b) => seen.push(`handshake 2+${b.length}`),
      message: (c, bytes, frames) => seen.push(`${c} ${bytes} ${frames}`),
      tick: () => seen.push('tick'),
      garbage: (r) => seen.push(`garbage ${r}`),
    },
  };
}

describe('dist scanner', () => {
  it('dist scanner — names each message by destination, the atom cache and fragments included', () => {
    const { sink, seen } = recorder();
    new DistScanner('initiator', sink).push(stream);
    expect(seen).toEqual(expected);
  });

  it('dist scanner — gives the same answer when bytes arrive one at a time', () => {
    const { sink, seen } = recorder();
    const s = new DistScanner('initiator', sink);
    for (let i = 0; i < stream.length; i++) s.push(stream.subarray(i, i + 1));
    expect(seen).toEqual(expected);
  });

  it('dist scanner — a header longer than the prefix it keeps counts as unknown and forgets the cache', () => {
    const { sink, seen } = recorder();
    const s = new DistScanner('initiator', sink, { maxFramePrefixBytes: 64 });
    s.push(stream.subarray(0, 2 + 19 + 2 + 21));
    s.push(framed(regSendNew)); // caches `sink` at segment 0, index 5
    // Replaces that entry with an atom too long for the prefix: the new entry cannot be read.
    const long = 'x'.repeat(80);
    const header = Buffer.concat([Buffer.of(131, 68, 1, 0x08, 5, long.length), Buffer.from(long)]);
    s.push(framed(Buffer.concat([header, Buffer.of(104, 1, 97, 5)])));
    s.push(framed(regSendCached)); // must not read as the stale `sink`
    expect(seen.slice(2)).toEqual([
      `reg:sink ${4 + regSendNew.length} 1`,
      `dest:unknown ${4 + header.length + 4} 1`,
      `dest:unknown ${4 + regSendCached.length} 1`,
    ]);
  });

  it('dist scanner — a 10 MiB message costs its frame prefix, not its size', () => {
    const { sink, seen } = recorder();
    const s = new DistScanner('initiator', sink);
    s.push(stream.subarray(0, 2 + 19 + 2 + 21));
    s.push(framed(regSendNew));
    const body = Buffer.concat([
      regSendCached.subarray(0, regSendCached.length - 8),
      Buffer.of(109),
      u32(10 * 2 ** 20),
    ]);
    const total = body.length + 10 * 2 ** 20;
    s.push(u32(total));
    s.push(body);
    let most = 0;
    const chunk = Buffer.alloc(64 * 1024, 9);
    for (let left = 10 * 2 ** 20; left > 0; left -= chunk.length) {
      s.push(chunk.subarray(0, Math.min(chunk.length, left)));
      most = Math.max(most, s.heldBytes);
    }
    expect(most).toBe(0); // named at its first bytes, nothing kept after
    expect(seen.slice(3)).toEqual([`reg:sink ${4 + total} 1`]);
  });

  it('dist scanner — past the pid limit, pids share one row', () => {
    const { sink, seen } = recorder();
    const s = new DistScanner('initiator', sink, { maxPidDestinations: 1 });
    s.push(stream.subarray(0, 2 + 19 + 2 + 21));
    const other = Buffer.from(sendPid);
    other.writeUInt32BE(78, other.length - 2 - 12); // another pid id
    s.push(Buffer.concat([framed(sendPid), framed(other), framed(sendPid)]));
    expect(seen.slice(2).map((l) => l.split(' ')[0])).toEqual([
      'pid:<0.77.3>',
      'pid:other',
      'pid:<0.77.3>',
    ]);
  });

  it('dist scanner — an oversized handshake packet stops the scan', () => {
    const { sink, seen } = recorder();
    new DistScanner('acceptor', sink).push(Buffer.of(0xff, 0xff, 1, 2, 3));
    expect(seen).toEqual(['garbage handshake packet of 65535 bytes']);
  });

  it('dist scanner — reads node names from send_name and the challenge', () => {
    expect(handshakeName(sendName('a@h'), 'initiator')).toBe('a@h');
    const challenge = Buffer.concat([
      Buffer.from('N'),
      u64(1),
      u32(5),
      u32(7),
      Buffer.of(0, 3),
      Buffer.from('b@h'),
    ]);
    expect(handshakeName(challenge, 'acceptor')).toBe('b@h');
    expect(handshakeName(Buffer.from('N'), 'initiator')).toBeUndefined();
  });
});
