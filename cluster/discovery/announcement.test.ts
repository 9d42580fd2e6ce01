import { describe, expect, it } from 'vitest';
import { decodeAnnouncement, deriveGossipKey, encodeAnnouncement } from './announcement.ts';

const key = deriveGossipKey('secret-cookie');
const now = 1_700_000_000_000;

describe('gossip announcement', () => {
  it('gossip announcement — round-trips and never carries the cookie', () => {
    const data = encodeAnnouncement(key, 'a@127.0.0.1', '127.0.0.1:9101', now, 'n1');
    expect(data.toString()).not.toContain('secret-cookie');
    const r = decodeAnnouncement(key, data, now + 5, 1_000);
    expect(r).toEqual({
      ok: true,
      announcement: { name: 'a@127.0.0.1', address: '127.0.0.1:9101', ts: now, nonce: 'n1' },
    });
  });

  it('gossip announcement — another cookie is unauthenticated', () => {
    const data = encodeAnnouncement(deriveGossipKey('other'), 'a@h', '127.0.0.1:9101', now);
    const r = decodeAnnouncement(key, data, now, 1_000);
    expect(r.ok === false && r.reason).toBe('unauthenticated');
  });

  it('gossip announcement — a tampered address is unauthenticated', () => {
    const data = encodeAnnouncement(key, 'a@h', '127.0.0.1:9101', now);
    const tampered = Buffer.from(data.toString().replace('9101', '9102'));
    const r = decodeAnnouncement(key, tampered, now, 1_000);
    expect(r.ok === false && r.reason).toBe('unauthenticated');
  });

  it('gossip announcement — old and future announcements are stale', () => {
    const data = encodeAnnouncement(key, 'a@h', '127.0.0.1:9101', now);
    const old = decodeAnnouncement(key, data, now + 1_001, 1_000);
    const future = decodeAnnouncement(key, data, now - 1_001, 1_000);
    expect(old.ok === false && old.reason).toBe('stale');
    expect(future.ok === false && future.reason).toBe('stale');
  });

  it.each([
    ['not json', Buffer.from('hello')],
    ['an array', Buffer.from('[1,2]')],
    ['null', Buffer.from('null')],
    [
      'missing mac',
      Buffer.from(JSON.stringify({ v: 1, name: 'a', address: '1.2.3.4:5', ts: now, nonce: 'x' })),
    ],
    [
      'bad address',
      Buffer.from(
        JSON.stringify({ v: 1, name: 'a', address: 'nope', ts: now, nonce: 'x', mac: 'm' }),
      ),
    ],
    [
      'port 0',
      Buffer.from(
        JSON.stringify({ v: 1, name: 'a', address: '1.2.3.4:0', ts: now, nonce: 'x', mac: 'm' }),
      ),
    ],
    ['oversized', Buffer.alloc(4_000, 0x20)],
  ])('gossip announcement — %s is malformed', (_label, data) => {
    const r = decodeAnnouncement(key, data, now, 1_000);
    expect(r.ok === false && r.reason).toBe('malformed');
  });
});
