/**
 * `observatory start` as a person runs it: a real launcher process with real node children;
 * Ctrl-C (SIGINT to the launcher only, as a terminal sends it) must leave no node behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alive, killLeftovers, launch, type Launcher } from './testing/launcher.ts';

const dir = mkdtempSync(join(tmpdir(), 'observatory-launcher-'));
let launcher: Launcher | undefined;

afterAll(() => {
  killLeftovers(launcher);
  rmSync(dir, { recursive: true, force: true });
});

describe('lab launcher', () => {
  it('launcher — Ctrl-C stops the lab and every node it started (no orphans)', async () => {
    launcher = launch({
      args: ['start', '--nodes', '2', '--port', '0', '--no-dashboard'],
      dir,
      adminToken: 'launcher-test-admin-token',
      nodeLine: /^Lab node \S+ port \d+ pid (\d+)$/,
      readyTimeoutMs: 60_000,
    });
    await launcher.ready;
    const { nodePids, lines } = launcher;
    expect(nodePids).toHaveLength(2);
    expect(nodePids.every(alive)).toBe(true);
    expect(lines.some((l) => l.startsWith('Admin token: from OBSERVATORY_ADMIN_TOKEN'))).toBe(true);

    process.kill(launcher.child.pid!, 'SIGINT');
    expect(await launcher.exited).toBe(0);
    expect(nodePids.filter(alive)).toEqual([]);
  }, 90_000);
});
