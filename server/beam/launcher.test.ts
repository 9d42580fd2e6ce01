/**
 * `observatory start --beam N` as a person runs it: a real launcher process; its progress lines,
 * its erl nodes, and Ctrl-C leaving none of them behind. And the one line when erl is missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../paths.ts';
import { ERL_NOT_FOUND_MESSAGE } from './constants.ts';

const BIN = join(PROJECT_ROOT, 'bin', 'observatory.mjs');
const dir = mkdtempSync(join(tmpdir(), 'observatory-beam-launcher-'));
let launcher: ChildProcess | undefined;
const erlPids: number[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(() => {
  for (const pid of [launcher?.pid, ...erlPids]) {
    if (pid === undefined || !alive(pid)) continue;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      process.kill(pid, 'SIGKILL');
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('BEAM lab launcher', () => {
  it('beam launcher — erl missing: one line naming the fix, exit status 2, nothing started', () => {
    const r = spawnSync(process.execPath, [BIN, 'start', '--beam', '2', '--port', '0'], {
      cwd: dir,
      env: { ...process.env, PATH: dir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(ERL_NOT_FOUND_MESSAGE);
    expect(r.stdout).not.toContain('listening');
  }, 70_000);

  it('beam launcher — prints each erl node; Ctrl-C stops every one of them', async () => {
    launcher = spawn(
      process.execPath,
      [BIN, 'start', '--beam', '2', '--port', '0', '--no-dashboard'],
      {
        cwd: dir,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          DATABASE_URL: `file:${join(dir, 'lab.db')}`,
          OBSERVATORY_ADMIN_TOKEN: 'beam-launcher-test-admin-token',
        },
      },
    );
    const lines: string[] = [];
    launcher.stderr!.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      launcher!.once('exit', (code) => resolve(code)),
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`lab not ready: ${lines.join('')}`)), 90_000);
      createInterface({ input: launcher!.stdout! }).on('line', (line) => {
        lines.push(line);
        const pid = /^BEAM node b\d@127\.0\.0\.1 pid (\d+)/.exec(line)?.[1];
        if (pid !== undefined) erlPids.push(Number(pid));
        if (line.startsWith('Lab ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(lines.some((l) => l.startsWith('BEAM lab: compiling the demo application'))).toBe(true);
    expect(lines.find((l) => l.startsWith('Lab ready'))).toMatch(/0 node\(s\) and 2 BEAM node/);
    expect(erlPids).toHaveLength(2);
    expect(erlPids.every(alive)).toBe(true);

    process.kill(launcher.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    expect(erlPids.filter(alive)).toEqual([]);
  }, 120_000);
});
