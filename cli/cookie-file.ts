/**
 * Cookie files, as Erlang keeps `~/.erlang.cookie`: a file only its owner can read, so the
 * cookie never has to appear in a command line (where `ps` shows it to every local user).
 */
import { randomInt } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CliOptionsError } from './options.ts';

/** Longest cookie accepted, the same bound as `--cookie`. */
export const MAX_COOKIE_CHARS = 1024;
/** Length of a generated cookie: Erlang's 20 upper-case letters. */
export const GENERATED_COOKIE_CHARS = 20;
/** The per-user default, Erlang's name, so both runtimes can share it. */
export const DEFAULT_COOKIE_FILE = '.erlang.cookie';

/** Raised when a cookie file cannot be used; the message says what to fix. */
export class CookieFileError extends Error {
  readonly code = 'cookie_file';
  constructor(
    readonly path: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cookie file ${path}: ${reason}`, options);
    this.name = 'CookieFileError';
  }
}

/**
 * Reads the cookie in `path`: the first line, without surrounding white space. Refused when the
 * file is not a regular file, is readable or writable by group or others (as Erlang refuses a
 * loose `~/.erlang.cookie`), is empty or too long.
 * @throws CookieFileError
 */
export function readCookieFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'ELOOP'
          ? 'is a symbolic link (give the path of the file itself)'
          : `cannot be read (${code ?? String(error)})`;
    throw new CookieFileError(path, reason, { cause: error });
  }
  try {
    // The checks run on the open descriptor, so the file cannot be swapped in between.
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new CookieFileError(path, 'is not a regular file');
    if ((stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(3, '0');
      throw new CookieFileError(
        path,
        `must be accessible by its owner only (mode ${mode}); run chmod 400 ${path}`,
      );
    }
    const cookie = (readFileSync(fd, 'utf8').split('\n')[0] ?? '').trim();
    if (cookie === '') throw new CookieFileError(path, 'is empty');
    if (cookie.length > MAX_COOKIE_CHARS)
      throw new CookieFileError(path, `holds more than ${MAX_COOKIE_CHARS} characters`);
    return cookie;
  } finally {
    closeSync(fd);
  }
}

/** A fresh cookie: upper-case letters, as `erl` generates. */
export function generateCookie(): string {
  let cookie = '';
  for (let i = 0; i < GENERATED_COOKIE_CHARS; i++)
    cookie += String.fromCharCode(65 + randomInt(26));
  return cookie;
}

/**
 * The per-user cookie `home/.erlang.cookie`: read when it exists, otherwise created with a
 * random cookie and mode 0400 (exclusively, so two nodes starting at once agree on one cookie).
 */
export function userCookie(home: string): { cookie: string; path: string; created: boolean } {
  const path = join(home, DEFAULT_COOKIE_FILE);
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o400);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new CookieFileError(path, `cannot be created (${String(error)})`, { cause: error });
    return { cookie: readCookieFile(path), path, created: false };
  }
  const cookie = generateCookie();
  try {
    writeSync(fd, cookie);
  } finally {
    closeSync(fd);
  }
  return { cookie, path, created: true };
}

/** Where a command's cookie may come from, in the order they are tried. */
export interface CookieSources {
  /** `--cookie`: works, with a warning, since `ps` shows it */
  readonly flag?: unknown;
  /** `--cookie-file` */
  readonly file?: unknown;
  /** env CLUSTER_COOKIE */
  readonly env: string | undefined;
  /** the user's home directory, for `~/.erlang.cookie` */
  readonly home: string;
  readonly warn: (line: string) => void;
}

/**
 * The cookie of `command`: `--cookie`, else `--cookie-file`, else CLUSTER_COOKIE, else the
 * per-user cookie file (created when missing). Both flags at once is a usage error.
 * @throws CliOptionsError naming the flag to fix
 */
export function resolveCookie(command: string, sources: CookieSources): string {
  const flag = typeof sources.flag === 'string' ? sources.flag : undefined;
  const file = typeof sources.file === 'string' ? sources.file : undefined;
  if (flag !== undefined && file !== undefined)
    throw new CliOptionsError(command, ['--cookie-file: cannot be combined with --cookie']);
  if (flag !== undefined) {
    sources.warn(
      `observatory ${command}: warning: --cookie is visible to every local user (ps); ` +
        'use --cookie-file or env CLUSTER_COOKIE',
    );
    return flag;
  }
  try {
    if (file !== undefined) return readCookieFile(file);
    if (sources.env !== undefined && sources.env !== '') return sources.env;
    return userCookie(sources.home).cookie;
  } catch (error) {
    if (!(error instanceof CookieFileError)) throw error;
    throw new CliOptionsError(command, [
      `${file !== undefined ? '--cookie-file' : '--cookie'}: ${error.message}`,
    ]);
  }
}
