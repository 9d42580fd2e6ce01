/**
 * Multi-process tests of the mesh: real `observatory node` processes on loopback, observed
 * through their `--events json` lines and through `observatory remsh`.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode } from '../api.ts';
import { startNode } from '../index.ts';
import { remshArgs, startCliNode, TEST_COOKIE, type StartedNode } from './testing/cli-nodes.ts';
import { killAll, runToEnd, spawnCli } from './testing/processes.ts';

const EVENT_TIMEOUT_MS = 15_000;
const REMSH_TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = 90_000;

let local: ClusterNode | undefined;

afterEach(async () => {
  await local?.close();
  local = undefined;
  await killAll();
});

const nodeup = (n: StartedNode, peer: string) =>
  n.child.stdout.event('nodeup', { node: peer }, EVENT_TIMEOUT_MS);

async function remsh(target: StartedNode, command: string) {
  return runToEnd(
    spawnCli(`remsh ${command}`, remshArgs(target.target, command)),
    REMSH_TIMEOUT_MS,
  );
}

describe('multiprocess mesh', () => {
  it(
    "multiprocess mesh — two nodes connect, ping, and an RPC returns the remote node's name",
    async () => {
      const a = await startCliNode('a');
      const b = await startCliNode('b', { seeds: [a] });
      await Promise.all([nodeup(a, b.name), nodeup(b, a.name)]);

      // This test process is a node too: connect to a, ping it and call it across processes.
      local = await startNode({ name: 'tester', cookie: TEST_COOKIE, port: 0 });
      expect(await local.connect(a.target)).toBe(true);
      await nodeup(a, local.name);
      expect(await local.ping(a.name)).toBe('pong');
      expect(await local.call(a.name, 'node.name', null)).toBe(a.name);
      // a asks b over its own link: ping and RPC from node to node, both child processes.
      expect(await local.call(a.name, 'node.ping', b.name)).toBe('pong');
      expect(await local.ping('nobody@127.0.0.1')).toBe('pang');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'multiprocess mesh — three nodes form a full mesh transitively',
    async () => {
      const a = await startCliNode('a');
      const b = await startCliNode('b', { seeds: [a] });
      const c = await startCliNode('c', { seeds: [b] });
      // a and c were never told about each other: they meet through b.
      await Promise.all([
        nodeup(a, b.name),
        nodeup(a, c.name),
        nodeup(c, a.name),
        nodeup(c, b.name),
      ]);
      await nodeup(b, c.name);

      const shown = await remsh(a, 'nodes');
      expect(shown.status).toBe(0);
      expect(shown.stdout).toMatch(new RegExp(`^visible\\s+${b.name}\\s+${b.address}$`, 'm'));
      expect(shown.stdout).toMatch(new RegExp(`^visible\\s+${c.name}\\s+${c.address}$`, 'm'));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'multiprocess mesh — a hidden node links to its seed only and is not in nodes()',
    async () => {
      const a = await startCliNode('a');
      const b = await startCliNode('b', { seeds: [a] });
      await nodeup(a, b.name);
      const h = await startCliNode('h', { seeds: [a], hidden: true });
      const up = await nodeup(a, h.name);
      expect(up.value.hidden).toBe(true);
      await nodeup(h, a.name);

      const [onA, onB] = await Promise.all([remsh(a, 'nodes'), remsh(b, 'nodes')]);
      expect(onA.status).toBe(0);
      expect(onA.stdout).toMatch(new RegExp(`^hidden\\s+${h.name}\\s`, 'm'));
      expect(onA.stdout).not.toMatch(new RegExp(`^visible\\s+${h.name}\\s`, 'm'));
      // b never hears of h: the mesh is not extended to hidden nodes.
      expect(onB.stdout).toContain(a.name);
      expect(onB.stdout).not.toContain(h.name);
      expect(b.child.stdout.all().some((l) => l.text.includes(h.name))).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'multiprocess mesh — remsh runs one command and reports errors with a non-zero status',
    async () => {
      const a = await startCliNode('a');
      const b = await startCliNode('b', { seeds: [a] });
      await nodeup(a, b.name);

      // Interactive mode reads commands line by line until quit (piped here: no prompts).
      const shell = spawnCli('remsh interactive', ['remsh', a.target, '--cookie', TEST_COOKIE]);
      for (const line of [`ping ${b.name}`, 'bogus', `call ${b.name} node.name`, 'quit']) {
        shell.writeLine(line);
      }
      // Independent shells, run side by side to keep the test short.
      const [interactive, nodes, called, unknown, badCookie] = await Promise.all([
        runToEnd(shell, REMSH_TIMEOUT_MS),
        remsh(a, 'nodes'),
        remsh(a, `call ${b.name} echo {"n": [1, 2]}`),
        remsh(a, 'call a@127.0.0.1 no.such.handler'),
        runToEnd(
          spawnCli('remsh bad cookie', remshArgs(a.target, 'nodes', 'wrong-cookie')),
          REMSH_TIMEOUT_MS,
        ),
      ]);
      expect(interactive.status).toBe(0);
      expect(interactive.stdout.split('\n').slice(1)).toEqual(['pong', JSON.stringify(b.name)]);
      expect(interactive.stderr).toContain("unknown command 'bogus'");

      expect(nodes.status).toBe(0);
      expect(nodes.stdout).toMatch(new RegExp(`^self\\s+${a.name}\\s+${a.address}$`, 'm'));
      expect(nodes.stdout).toMatch(new RegExp(`^visible\\s+${b.name}\\s`, 'm'));
      // The shell's own hidden node is listed on a, but not as a visible member.
      expect(nodes.stdout).toMatch(/^hidden\s+remsh-\d+@127\.0\.0\.1\s/m);

      expect(called.status).toBe(0);
      expect(JSON.parse(called.stdout)).toEqual({ n: [1, 2] });

      expect(unknown.status).not.toBe(0);
      expect(unknown.stderr).toContain('no_such_handler');

      expect(badCookie.status).not.toBe(0);
      expect(badCookie.stderr).toMatch(/remsh: /);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'multiprocess mesh — bad options fail at start-up with a clear message',
    async () => {
      const bad = await runToEnd(
        spawnCli('bad options', ['node', '--name', 'a b', '--port', 'x', '--cookie', 'C']),
        REMSH_TIMEOUT_MS,
      );
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain('--name');
      expect(bad.stderr).toContain('--port');
      // no cookie given: the per-user cookie file, refused when others may read it (as Erlang)
      const home = mkdtempSync(join(tmpdir(), 'observatory-home-'));
      try {
        writeFileSync(join(home, '.erlang.cookie'), 'LOOSE', { mode: 0o644 });
        chmodSync(join(home, '.erlang.cookie'), 0o644);
        const loose = await runToEnd(
          // an environment without CLUSTER_COOKIE, whatever the runner's has
          spawnCli('loose cookie', ['node', '--name', 'a', '--port', '0'], { HOME: home }),
          REMSH_TIMEOUT_MS,
        );
        expect(loose.status).toBe(2);
        expect(loose.stderr).toContain('must be accessible by its owner only (mode 644)');
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    },
    TEST_TIMEOUT_MS,
  );
});
