import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  killAll,
  REPO_ROOT,
  spawnTsx,
  type ChildHandle,
} from '../multiprocess/testing/processes.ts';

const FIXTURE = resolve(REPO_ROOT, 'cluster/registry/fixtures/registry-node.ts');
const TICKTIME_MS = 600;

interface Proc {
  child: ChildHandle;
  name: string;
  target: string;
  ask(command: Record<string, unknown>): Promise<Record<string, unknown>>;
}

let nextId = 1;
async function spawnNode(name: string): Promise<Proc> {
  const child = spawnTsx(name, FIXTURE, [name, 'heal-cookie', String(TICKTIME_MS)]);
  const { value } = await child.stdout.event<{ node: string; port: number }>(
    'listening',
    {},
    30_000,
  );
  return {
    child,
    name: value.node,
    target: `${value.node}:${value.port}`,
    async ask(command) {
      const id = nextId++;
      child.writeLine(JSON.stringify({ id, ...command }));
      return (await child.stdout.event('reply', { id }, 10_000)).value;
    },
  };
}

afterEach(async () => {
  await killAll();
});

describe('registry between processes', () => {
  it('registry — a blackhole partition heals to one owner and the loser process is told', async () => {
    const [a, b, c] = await Promise.all(['ra', 'rb', 'rc'].map(spawnNode));
    expect(await a!.ask({ cmd: 'connect', target: b!.target })).toMatchObject({ ok: true });
    expect(await a!.ask({ cmd: 'connect', target: c!.target })).toMatchObject({ ok: true });
    await b!.child.stdout.event('nodeup', { node: c!.name }, 10_000);
    // partition {a} | {b, c}: a blackholes both, both blackhole a
    for (const [x, y] of [
      [a, b],
      [a, c],
      [b, a],
      [c, a],
    ] as const)
      await x!.ask({ cmd: 'blackhole', peer: y!.name });
    await Promise.all([
      a!.child.stdout.event('nodedown', { node: b!.name }, 10_000),
      a!.child.stdout.event('nodedown', { node: c!.name }, 10_000),
      b!.child.stdout.event('nodedown', { node: a!.name }, 10_000),
      c!.child.stdout.event('nodedown', { node: a!.name }, 10_000),
    ]);
    // b registers first on its side; a registers the same name later on its own
    expect(await b!.ask({ cmd: 'register', name: 'leader' })).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 20));
    expect(await a!.ask({ cmd: 'register', name: 'leader' })).toMatchObject({ ok: true });
    for (const x of [a, b, c]) await x!.ask({ cmd: 'clear' });
    expect(await a!.ask({ cmd: 'connect', target: b!.target })).toMatchObject({ ok: true });
    await c!.child.stdout.event('nodeup', { node: a!.name }, 10_000);
    const conflict = await a!.child.stdout.event('name_conflict', { name: 'leader' }, 10_000);
    expect(conflict.value).toMatchObject({ winner: b!.name, loser: a!.name });
    for (const x of [a, b, c]) {
      const deadline = Date.now() + 5_000;
      let owner: unknown;
      do owner = (await x!.ask({ cmd: 'whereis', name: 'leader' })).node;
      while (owner !== b!.name && Date.now() < deadline);
      expect(owner).toBe(b!.name);
    }
    expect(b!.child.stdout.all().some((l) => l.text.includes('name_conflict'))).toBe(false);
  });
});
