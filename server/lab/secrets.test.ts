/**
 * Attack test: a local user without our privileges reads every process's command line (`ps`,
 * /proc/<pid>/cmdline). A running lab and a running drill must show no cookie, agent token or
 * store URL there, and their nodes must not even hold the admin token in their environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { agentCredential } from '../ingest/credentials.ts';
import { PROJECT_ROOT } from '../paths.ts';
import { descendants, isNodeProcess, type ProcInfo } from './testing/proc-scan.ts';

const dir = mkdtempSync(join(tmpdir(), 'observatory-secrets-'));
const started: ChildProcess[] = [];

const COOKIE = 'secrets-test-cookie-7f3a9c';
const AGENT_TOKEN = 'secrets-test-agent-token-51be';
const ADMIN_TOKEN = 'secrets-test-admin-token-0d4e2a';
const SERVER_DB = `file:${join(dir, 'server.db')}`;

afterAll(() => {
  for (const child of started) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
    for (const p of descendants(child.pid)) signal(p.pid, 'SIGKILL');
    signal(-child.pid, 'SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}

function cli(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'observatory.mjs'), ...args], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  started.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function untilNodes(root: number, count: number, timeoutMs: number): Promise<ProcInfo[]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const nodes = descendants(root).filter(isNodeProcess);
    if (nodes.length >= count) return nodes;
    if (performance.now() > deadline) throw new Error(`${nodes.length} of ${count} nodes running`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const envValue = (p: ProcInfo, name: string) =>
  p.environ.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1);

describe('secrets off argv', () => {
  it('secrets — a running lab shows no cookie, agent token or store URL in any argv; nodes lack the admin token', async () => {
    const launcher = cli(['start', '--nodes', '2', '--port', '0', '--no-dashboard'], {
      DATABASE_URL: SERVER_DB,
      OBSERVATORY_ADMIN_TOKEN: ADMIN_TOKEN,
      OBSERVATORY_AGENT_TOKEN: AGENT_TOKEN,
      CLUSTER_COOKIE: COOKIE,
    });
    const output: string[] = [];
    launcher.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`lab not ready: ${output.join('')}`)),
        60_000,
      );
      createInterface({ input: launcher.stdout! }).on('line', (line) => {
        output.push(line);
        if (line.startsWith('Lab ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });

    const tree = descendants(launcher.pid!);
    const nodes = tree.filter(isNodeProcess);
    expect(nodes).toHaveLength(2);
    for (const p of [...tree, { pid: launcher.pid!, argv: launcher.spawnargs, environ: [] }]) {
      const argv = p.argv.join(' ');
      expect(argv).not.toContain(COOKIE);
      expect(argv).not.toContain(AGENT_TOKEN);
      expect(argv).not.toContain(ADMIN_TOKEN);
      expect(argv).not.toContain('lab-ledger-'); // the shards store URL
      expect(argv).not.toMatch(/--(cookie|agent-token|store)\b/);
    }
    for (const node of nodes) {
      // the node still works: its secrets arrived by environment, the admin token did not
      expect(envValue(node, 'CLUSTER_COOKIE')).toBe(COOKIE);
      // and only its own agent credential, never the server's agent secret
      const flag = (name: string) => node.argv[node.argv.indexOf(name) + 1];
      const fullName = `${flag('--name')}@${flag('--host')}`;
      expect(envValue(node, 'OBSERVATORY_AGENT_TOKEN')).toBe(
        agentCredential(AGENT_TOKEN, fullName),
      );
      expect(envValue(node, 'OBSERVATORY_STORE_URL')).toMatch(/^file:.*lab-ledger-/);
      expect(envValue(node, 'OBSERVATORY_ADMIN_TOKEN')).toBeUndefined();
      expect(envValue(node, 'DATABASE_URL')).toBeUndefined();
    }

    const done = exited(launcher);
    signal(launcher.pid!, 'SIGINT');
    expect(await done).toBe(0);
  }, 90_000);

  it('secrets — a running drill (as the server starts it) shows no cookie or store URL in any argv; nodes lack the admin token', async () => {
    const store = `file:${join(dir, 'drill-store.db')}`;
    const drill = cli(['drill', 'node-loss', '--nodes', '3', '--json'], {
      // what a drill started by the server inherited before the runner scrubbed its environment
      DATABASE_URL: SERVER_DB,
      OBSERVATORY_ADMIN_TOKEN: ADMIN_TOKEN,
      OBSERVATORY_STORE_URL: store,
    });
    const done = exited(drill);
    const nodes = await untilNodes(drill.pid!, 3, 60_000);
    for (const p of [...descendants(drill.pid!), ...nodes]) {
      const argv = p.argv.join(' ');
      expect(argv).not.toContain(store);
      expect(argv).not.toMatch(/--(cookie|agent-token|store)\b/);
    }
    for (const node of nodes) {
      const cookie = envValue(node, 'CLUSTER_COOKIE');
      expect(cookie).toMatch(/^[0-9a-f]{24}$/);
      expect(node.argv.join(' ')).not.toContain(cookie!);
      expect(envValue(node, 'OBSERVATORY_STORE_URL')).toBe(store);
      expect(envValue(node, 'OBSERVATORY_ADMIN_TOKEN')).toBeUndefined();
      expect(envValue(node, 'DATABASE_URL')).toBeUndefined();
    }
    // SIGINT: the drill kills its node groups on the way out
    signal(drill.pid!, 'SIGINT');
    await done;
  }, 90_000);
});
