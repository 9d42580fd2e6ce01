import { describe, expect, it } from 'vitest';
import {
  crossOriginReason,
  foreignReaderReason,
  hostName,
  isAllowedHost,
  originPolicy,
} from './origin.ts';

const policy = originPolicy('127.0.0.1', ['observatory.internal'], ['https://ops.example:8443']);
const host = '127.0.0.1:3000';

describe('origin policy', () => {
  it('origin policy — Host: IP literals, localhost and configured names pass, other names do not', () => {
    expect(hostName('[::1]:3000')).toBe('::1');
    expect(hostName('Example.COM.:80')).toBe('example.com');
    for (const ok of [host, '[::1]:3000', 'localhost:3000', 'observatory.internal', 'ops.example'])
      expect(isAllowedHost(ok, policy)).toBe(true);
    for (const bad of ['attacker.example:3000', 'localhost.attacker.example', '', undefined])
      expect(isAllowedHost(bad, policy)).toBe(false);
  });

  it('origin policy — a state change needs our own origin; null, other ports and other hosts are others', () => {
    expect(crossOriginReason({ host, origin: 'http://127.0.0.1:3000' }, policy)).toBeUndefined();
    expect(crossOriginReason({ host, origin: 'https://ops.example:8443' }, policy)).toBeUndefined();
    expect(crossOriginReason({ host, 'sec-fetch-site': 'same-origin' }, policy)).toBeUndefined();
    expect(crossOriginReason({ host, origin: 'null' }, policy)).toMatch(/Origin "null"/);
    expect(crossOriginReason({ host, origin: 'http://127.0.0.1:3001' }, policy)).toBeDefined();
    expect(crossOriginReason({ host, origin: 'http://localhost:3000' }, policy)).toBeDefined();
    expect(crossOriginReason({ host, 'sec-fetch-site': 'same-site' }, policy)).toBeDefined();
    expect(crossOriginReason({ host }, policy)).toBe('no Origin header');
  });

  it('origin policy — a reader is refused only when the browser says it is foreign', () => {
    expect(foreignReaderReason({ host }, policy)).toBeUndefined();
    expect(foreignReaderReason({ host, 'sec-fetch-site': 'none' }, policy)).toBeUndefined();
    expect(foreignReaderReason({ host, origin: 'http://127.0.0.1:3000' }, policy)).toBeUndefined();
    expect(foreignReaderReason({ host, origin: 'http://evil.example' }, policy)).toBeDefined();
    expect(foreignReaderReason({ host, 'sec-fetch-site': 'cross-site' }, policy)).toBeDefined();
  });
});
