/**
 * `observatory start` as a person runs it: a real launcher process with real node children;
 * Ctrl-C (SIGINT to the launcher only, as a terminal sends it) must leave no node behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'observatory-launcher-'));
let launcher: ChildProcess | undefined;
const nodePids: number[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(() => {
  // Whatever the test found, leave nothing running.
  for (const pid of [launcher?.pid, ...nodePids]) {
    if (pid === undefined || !alive(pid)) continue;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      process.kill(pid, 'SIGKILL');
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('lab launcher', () => {
  it('launcher — Ctrl-C stops the lab and every node it started (no orphans)', async () => {
    launcher = spawn(
      process.execPath,
      [
        join(PROJECT_ROOT, 'bin', 'observatory.mjs'),
        'start',
        '--nodes',
        '2',
        '--port',
        '0',
        '--no-dashboard',
      ],
      {
        cwd: dir,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          DATABASE_URL: `file:${join(dir, 'lab.db')}`,
          OBSERVATORY_ADMIN_TOKEN: 'launcher-test-admin-token',
        },
      },
    );
    const lines: string[] = [];
    launcher.stderr!.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      launcher!.once('exit', (code) => resolve(code)),
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`lab not ready: ${lines.join('')}`)), 60_000);
      createInterface({ input: launcher!.stdout! }).on('line', (line) => {
        lines.push(line);
        const pid = /^Lab node \S+ port \d+ pid (\d+)$/.exec(line)?.[1];
        if (pid !== undefined) nodePids.push(Number(pid));
        if (line.startsWith('Lab ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(nodePids).toHaveLength(2);
    expect(nodePids.every(alive)).toBe(true);
    expect(lines.some((l) => l.startsWith('Admin token: from OBSERVATORY_ADMIN_TOKEN'))).toBe(true);

    process.kill(launcher.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    expect(nodePids.filter(alive)).toEqual([]);
  }, 90_000);
});
