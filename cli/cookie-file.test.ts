import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCookieFile, resolveCookie, userCookie } from './cookie-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'observatory-cookie-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function cookieFile(content: string, mode: number): string {
  const path = join(dir, `cookie-${++n}`);
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

describe('cookie files', () => {
  it('cookie file — reads the first line of an owner-only file', () => {
    expect(readCookieFile(cookieFile('SECRETCOOKIE\n', 0o400))).toBe('SECRETCOOKIE');
    expect(readCookieFile(cookieFile('  other \nignored', 0o600))).toBe('other');
  });

  it('cookie file — refuses a file group or others can read or write, naming the fix', () => {
    for (const mode of [0o440, 0o404, 0o640, 0o602, 0o644]) {
      const path = cookieFile('C', mode);
      expect(() => readCookieFile(path)).toThrow(
        `must be accessible by its owner only (mode ${mode.toString(8)}); run chmod 400 ${path}`,
      );
    }
  });

  it('cookie file — refuses a missing file, an empty one and a symbolic link', () => {
    expect(() => readCookieFile(join(dir, 'absent'))).toThrow(/does not exist/);
    expect(() => readCookieFile(cookieFile('\n', 0o400))).toThrow(/is empty/);
    expect(() => readCookieFile('/proc/self/cwd')).toThrow(/symbolic link/);
  });

  it('cookie file — the per-user cookie is created once, random, mode 0400, then reused', () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const first = userCookie(home);
    expect(first.created).toBe(true);
    expect(first.cookie).toMatch(/^[A-Z]{20}$/);
    expect(statSync(first.path).mode & 0o777).toBe(0o400);
    expect(readFileSync(first.path, 'utf8')).toBe(first.cookie);
    const again = userCookie(home);
    expect(again).toEqual({ cookie: first.cookie, path: first.path, created: false });
    expect(userCookie(mkdtempSync(join(dir, 'home-'))).cookie).not.toBe(first.cookie);
  });

  it('cookie file — resolution order: --cookie (warned), --cookie-file, CLUSTER_COOKIE, ~/.erlang.cookie', () => {
    const warnings: string[] = [];
    const home = mkdtempSync(join(dir, 'home-'));
    const base = { env: undefined, home, warn: (l: string) => warnings.push(l) };
    const file = cookieFile('FROMFILE', 0o400);
    expect(resolveCookie('node', { ...base, flag: 'FLAG', env: 'ENV' })).toBe('FLAG');
    expect(warnings).toEqual([expect.stringMatching(/--cookie is visible to every local user/)]);
    expect(resolveCookie('node', { ...base, file, env: 'ENV' })).toBe('FROMFILE');
    expect(resolveCookie('node', { ...base, env: 'ENV' })).toBe('ENV');
    expect(resolveCookie('node', base)).toBe(readFileSync(join(home, '.erlang.cookie'), 'utf8'));
    expect(warnings).toHaveLength(1);
    expect(() => resolveCookie('node', { ...base, flag: 'F', file })).toThrow(
      /--cookie-file: cannot be combined with --cookie/,
    );
    expect(() => resolveCookie('node', { ...base, file: cookieFile('C', 0o644) })).toThrow(
      /--cookie-file: cookie file .* must be accessible by its owner only/,
    );
  });

  it('cookie file — `observatory node --cookie-file` with a loose file exits 2 before starting', () => {
    const loose = cookieFile('C', 0o644);
    const result = spawnSync(
      process.execPath,
      [
        resolve('bin/observatory.mjs'),
        'node',
        '--name',
        'x',
        '--port',
        '0',
        '--cookie-file',
        loose,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`must be accessible by its owner only (mode 644)`);
    expect(result.stdout).not.toContain('listening');
  });

  it('cookie file — bad options fail before ~/.erlang.cookie is created (bad input costs nothing)', () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home };
    const cli = resolve('bin/observatory.mjs');
    for (const args of [
      ['node', '--name', 'a b', '--port', '0'],
      ['remsh', 'not-a-target', '--command', 'nodes'],
    ]) {
      const result = spawnSync(process.execPath, [cli, ...args], {
        encoding: 'utf8',
        timeout: 30_000,
        env: env as NodeJS.ProcessEnv,
      });
      expect(result.status).toBe(2);
      expect(existsSync(join(home, '.erlang.cookie'))).toBe(false);
    }
  });
});
