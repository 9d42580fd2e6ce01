import { describe, expect, it } from 'vitest';
import { CliOptionsError } from '../options.ts';
import { parseNodeOptions } from './options.ts';

const base = { name: 'a', host: '127.0.0.1', port: '9101', cookie: 'C' };

describe('cli node options', () => {
  it('cli node options — parses good values into typed options', () => {
    const o = parseNodeOptions(
      {
        ...base,
        seeds: '127.0.0.1:9102, 127.0.0.2:9103',
        hidden: true,
        ticktime: '2000',
        events: 'json',
      },
      undefined,
    );
    expect(o).toMatchObject({
      name: 'a',
      port: 9101,
      cookie: 'C',
      seeds: ['127.0.0.1:9102', '127.0.0.2:9103'],
      hidden: true,
      ticktime: 2000,
      events: 'json',
      discovery: 'static',
    });
  });

  it('cli node options — --connect-all is true by default, false on request, and nothing else', () => {
    expect(parseNodeOptions(base, undefined).connectAll).toBe(true);
    expect(parseNodeOptions({ ...base, connectAll: 'false' }, undefined).connectAll).toBe(false);
    expect(() => parseNodeOptions({ ...base, connectAll: 'no' }, undefined)).toThrow(
      /--connect-all: must be 'true' or 'false'/,
    );
  });

  it('cli node options — takes the cookie from CLUSTER_COOKIE when --cookie is absent', () => {
    const { cookie: _c, ...noCookie } = base;
    expect(parseNodeOptions(noCookie, 'from-env').cookie).toBe('from-env');
    expect(parseNodeOptions(base, 'from-env').cookie).toBe('C');
  });

  it('cli node options — rejects a missing cookie with a clear message', () => {
    const { cookie: _c, ...noCookie } = base;
    expect(() => parseNodeOptions(noCookie, '')).toThrow(/--cookie: is required/);
  });

  it('cli node options — names every bad option at once', () => {
    let error: unknown;
    try {
      parseNodeOptions(
        { ...base, name: 'a b', port: '70000', seeds: 'nohost', ticktime: '5', events: 'xml' },
        undefined,
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliOptionsError);
    const issues = (error as CliOptionsError).issues.join('\n');
    for (const opt of ['--name', '--port', '--seeds', '--ticktime', '--events'])
      expect(issues).toContain(opt);
  });

  it('cli node options — refuses an unknown discovery strategy', () => {
    expect(() => parseNodeOptions({ ...base, discovery: 'carrier' }, undefined)).toThrow(
      /--discovery/,
    );
  });
});
