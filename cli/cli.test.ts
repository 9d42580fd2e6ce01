import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { agentCredential } from '../server/ingest/credentials.ts';

const BIN = fileURLToPath(new URL('../bin/observatory.mjs', import.meta.url));

function observatory(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, ...env },
  });
}

describe('cli', () => {
  it('cli — --help lists every subcommand of the public surface', () => {
    const result = observatory(['--help']);
    expect(result.status).toBe(0);
    for (const command of ['start', 'server', 'node', 'remsh', 'drill', 'check']) {
      expect(result.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });

  it('cli — a bad option value fails with a clear message and a non-zero status', () => {
    const result = observatory(['server', '--port', 'http']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("option '--port <port>' argument 'http' is invalid");
  });

  it('cli — a drill with bad option values exits 2 with one line per option, before any work', () => {
    const result = observatory(['drill', 'pause', '--nodes', '99', '--rate', 'fast']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--nodes: must be from 3 to 9/);
    expect(result.stderr).toMatch(/--rate: must be an integer/);
  });

  it('cli — agent-credential prints the node credential derived from the secret in the environment', () => {
    const secret = 'agent-secret-for-cli-tests';
    const a = observatory(['agent-credential', 'a@10.0.0.7'], { OBSERVATORY_AGENT_TOKEN: secret });
    expect(a.status).toBe(0);
    expect(a.stdout.trim()).toBe(agentCredential(secret, 'a@10.0.0.7'));
    expect(a.stdout).not.toContain(secret);
    const b = observatory(['agent-credential', 'b@10.0.0.7'], { OBSERVATORY_AGENT_TOKEN: secret });
    expect(b.stdout.trim()).not.toBe(a.stdout.trim());
    const bad = observatory(['agent-credential', 'a'], { OBSERVATORY_AGENT_TOKEN: '' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/set OBSERVATORY_AGENT_TOKEN/);
    expect(bad.stderr).toMatch(/must be a full node name/);
  });

  it('cli — the server fails fast on a bad environment, naming the variable', () => {
    const result = observatory(['server'], { PORT: 'eighty', DATABASE_URL: 'mysql://nope' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/PORT: .*"eighty"/);
    expect(result.stderr).toMatch(/DATABASE_URL: must start with file:/);
  });
});
