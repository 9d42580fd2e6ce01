import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { LabProcesses } from './lab-processes.ts';

interface Entry {
  child: ChildProcess | undefined;
  exited: Promise<void>;
}

/** A lab whose nodes are `sleep` processes, each in its own group as the real labs start them. */
class SleepLab extends LabProcesses<Entry> {
  spawned = 0;
  constructor(names: readonly string[]) {
    super();
    for (const name of names) this.nodes.set(name, { child: undefined, exited: Promise.resolve() });
  }
  start(): Promise<void> {
    return Promise.all([...this.nodes.values()].map((r) => this.spawn(r))).then(() => {});
  }
  stop(): Promise<void> {
    return this.stopNodes(5_000);
  }
  protected spawn(r: Entry): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('the lab is stopping'));
    const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    r.child = child;
    r.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.spawned++;
    return new Promise((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  }
  protected notALabNode(node: string): Error {
    return new Error(`${node} is not a node of this lab`);
  }
}

const labs: SleepLab[] = [];
const lab = (names: readonly string[]) => {
  const l = new SleepLab(names);
  labs.push(l);
  return l;
};
afterEach(async () => {
  await Promise.all(labs.splice(0).map((l) => l.stop()));
});

describe('lab processes', () => {
  it('lab processes — names and pids; a kill before the first start is refused', async () => {
    const l = lab(['a@h', 'b@h']);
    expect(l.names()).toEqual(['a@h', 'b@h']);
    expect(l.knows('a@h')).toBe(true);
    expect(l.knows('c@h')).toBe(false);
    expect(l.kill('a@h')).toBe(false);
    expect(l.pids()).toEqual({ 'a@h': undefined, 'b@h': undefined });
    await l.start();
    expect(Object.values(l.pids()).every((p) => typeof p === 'number')).toBe(true);
  });

  it('lab processes — kill SIGKILLs the node, which then reads as not running; a second kill reports done', async () => {
    const l = lab(['a@h', 'b@h']);
    await l.start();
    const b = l.pids()['b@h'];
    expect(l.kill('a@h')).toBe(true);
    await until(() => l.pids()['a@h'] === undefined);
    expect(l.pids()['b@h']).toBe(b);
    expect(l.kill('a@h')).toBe(true);
    expect(l.kill('c@h')).toBe(false);
  });

  it('lab processes — restart waits for the old process to end, then spawns the node again', async () => {
    const l = lab(['a@h']);
    await l.start();
    const before = l.pids()['a@h'];
    await l.restart('a@h');
    const after = l.pids()['a@h'];
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(l.spawned).toBe(2);
    await expect(l.restart('c@h')).rejects.toThrow('c@h is not a node of this lab');
  });

  it('lab processes — stop ends every node and refuses a restart after it', async () => {
    const l = lab(['a@h', 'b@h']);
    await l.start();
    await l.stop();
    expect(l.pids()).toEqual({ 'a@h': undefined, 'b@h': undefined });
    await expect(l.restart('a@h')).rejects.toThrow('the lab is stopping');
  });
});

async function until(ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ok()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
