/**
 * `observatory server --beam-*` options: the watched BEAM cluster, its cookie file and the
 * distribution proxy's EPMD port, parsed and checked before anything starts.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beamWatchOptions } from './commands/server.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'observatory-beam-options-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const goodCookie = () => {
  const file = join(dir, `good-${++files}.cookie`);
  writeFileSync(file, 'SECRET\n', { mode: 0o400 });
  return file;
};

describe('observatory server --beam-* options', () => {
  it('beam options — a cookie file readable by others is refused, naming the flag', () => {
    const file = join(dir, 'loose.cookie');
    writeFileSync(file, 'SECRET');
    chmodSync(file, 0o644);
    expect(() => beamWatchOptions({ beamNodes: 'a@h', beamCookieFile: file }, {})).toThrow(
      /--beam-cookie-file: .*owner only/,
    );
  });

  it('beam options — nodes without a cookie file and bad names are refused together', () => {
    expect(() => beamWatchOptions({ beamNodes: 'a@h,nohost' }, {})).toThrow(
      /"nohost" is not name@host[\s\S]*required with --beam-nodes/,
    );
  });

  it('beam options — the cookie comes from the owner-only file, EPMD port from the env', () => {
    const file = join(dir, 'good.cookie');
    writeFileSync(file, 'SECRET\n', { mode: 0o400 });
    expect(
      beamWatchOptions({ beamNodes: 'a@h', beamCookieFile: file }, { ERL_EPMD_PORT: '4400' }),
    ).toEqual({ nodes: ['a@h'], epmdHosts: [], cookie: 'SECRET', epmdPort: 4400 });
    expect(beamWatchOptions({}, {})).toBeUndefined();
  });

  it('beam options — --beam-proxy-epmd puts our EPMD in front, on the port the nodes are given', () => {
    const file = goodCookie();
    expect(
      beamWatchOptions(
        {
          beamNodes: 'a@h',
          beamCookieFile: file,
          beamProxyEpmd: '4370',
          beamProxyHost: '10.0.0.2',
        },
        {},
      ),
    ).toEqual({
      nodes: ['a@h'],
      epmdHosts: [],
      cookie: 'SECRET',
      epmdPort: 4369,
      proxy: { epmdPort: 4370, host: '10.0.0.2' },
    });
  });

  it('beam options — a bad proxy port, a proxy without nodes, a host without a port are refused together', () => {
    expect(() =>
      beamWatchOptions(
        { beamNodes: 'a@h', beamCookieFile: goodCookie(), beamProxyEpmd: '70000' },
        {},
      ),
    ).toThrow(/--beam-proxy-epmd: must be a port/);
    expect(() => beamWatchOptions({ beamProxyEpmd: '4370', beamProxyHost: 'h' }, {})).toThrow(
      /--beam-proxy-epmd: give --beam-nodes[\s\S]*/,
    );
    expect(() =>
      beamWatchOptions({ beamNodes: 'a@h', beamCookieFile: goodCookie(), beamProxyHost: 'h' }, {}),
    ).toThrow(/--beam-proxy-host: give --beam-proxy-epmd too/);
  });
});
