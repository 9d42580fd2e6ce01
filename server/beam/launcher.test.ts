/**
 * `observatory start --beam N` as a person runs it: a real launcher process; its progress lines,
 * its erl nodes, and Ctrl-C leaving none of them behind. And the one line when erl is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  OBSERVATORY_BIN,
  alive,
  killLeftovers,
  launch,
  type Launcher,
} from '../lab/testing/launcher.ts';
import { ERL_NOT_FOUND_MESSAGE } from './constants.ts';

const dir = mkdtempSync(join(tmpdir(), 'observatory-beam-launcher-'));
let launcher: Launcher | undefined;

afterAll(() => {
  killLeftovers(launcher);
  rmSync(dir, { recursive: true, force: true });
});

describe('BEAM lab launcher', () => {
  it('beam launcher — erl missing: one line naming the fix, exit status 2, nothing started', () => {
    const r = spawnSync(
      process.execPath,
      [OBSERVATORY_BIN, 'start', '--beam', '2', '--port', '0'],
      {
        cwd: dir,
        env: { ...process.env, PATH: dir },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(ERL_NOT_FOUND_MESSAGE);
    expect(r.stdout).not.toContain('listening');
  }, 70_000);

  it('beam launcher — prints each erl node; Ctrl-C stops every one of them', async () => {
    launcher = launch({
      args: ['start', '--beam', '2', '--port', '0', '--no-dashboard'],
      dir,
      adminToken: 'beam-launcher-test-admin-token',
      nodeLine: /^BEAM node b\d@127\.0\.0\.1 pid (\d+)/,
      readyTimeoutMs: 90_000,
    });
    await launcher.ready;
    const { nodePids: erlPids, lines } = launcher;
    expect(lines.some((l) => l.startsWith('BEAM lab: compiling the demo application'))).toBe(true);
    expect(lines.find((l) => l.startsWith('Lab ready'))).toMatch(/0 node\(s\) and 2 BEAM node/);
    expect(erlPids).toHaveLength(2);
    expect(erlPids.every(alive)).toBe(true);

    process.kill(launcher.child.pid!, 'SIGINT');
    expect(await launcher.exited).toBe(0);
    expect(erlPids.filter(alive)).toEqual([]);
  }, 120_000);
});
