/**
 * A drill must not outlive the server that runs it. A real server process (fixtures/
 * drill-server.ts) starts a real drill; once the drill's nodes run, the server is SIGKILLed —
 * no handler of it runs — and every process of the drill (the drill CLI and its node processes)
 * must be gone within seconds. The next server on the same store lists the drill as interrupted.
 * The same with a drill that prints nothing (fixtures/drill-runner.ts, no `--progress`): a drill
 * that writes progress also dies of EPIPE at its next line, a silent one only by its lifeline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../paths.ts';
import { startServer, type RunningServer } from '../start.ts';
import type { DrillRecord } from './drills.ts';

const ADMIN = 'admin-token-for-orphan-tests';
const SERVER_FIXTURE = join(PROJECT_ROOT, 'server/drills/fixtures/drill-server.ts');
const RUNNER_FIXTURE = join(PROJECT_ROOT, 'server/drills/fixtures/drill-runner.ts');
/**
 * How long the drill's processes get to end after the server's SIGKILL: they notice within
 * half a second (lifeline, parent watch), plus generous slack for a loaded machine, where a
 * starved process may wait seconds for the CPU.
 */
const GONE_WITHIN_MS = 15_000;
/** How long the lab may take to start (every node listening) on a loaded machine. */
const LAB_UP_WITHIN_MS = 60_000;

const dir = mkdtempSync(join(tmpdir(), 'observatory-orphans-'));
const databaseUrl = `file:${join(dir, 'observatory.db')}`;
let serverProcess: ChildProcess | undefined;
let runnerProcess: ChildProcess | undefined;
let drillPids: number[] = [];
let restarted: RunningServer | undefined;

/** `/proc/<pid>/stat` as {state, ppid}; undefined when the process does not exist. */
function stat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …"; comm may hold spaces and parentheses
    const [state, ppid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: state ?? '?', ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

/** Running (not exited: a zombie waiting for a reaper has ended) */
function running(pid: number): boolean {
  const s = stat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

/** Every live descendant of `root`. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const s = stat(pid);
    if (s === undefined || !running(pid)) continue;
    children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').slice(0, 200);
  } catch {
    return '(gone)';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Drill node processes (`observatory node --name …`) among `pids`. */
const nodesAmong = (pids: number[]) => pids.filter((p) => cmdline(p).includes(' node --name '));

/** SIGKILLs `pid`, then waits (bounded) for every one of `pids` to end; returns the survivors. */
async function killAndWait(pid: number, pids: number[]): Promise<string[]> {
  process.kill(pid, 'SIGKILL');
  let survivors = pids.filter(running);
  for (let waited = 0; survivors.length > 0 && waited < GONE_WITHIN_MS; waited += 100) {
    await sleep(100);
    survivors = pids.filter(running);
  }
  return survivors.map((p) => `${p}: ${cmdline(p)}`);
}

afterAll(async () => {
  // whatever the test found, leave nothing running
  for (const pid of [serverProcess?.pid, runnerProcess?.pid, ...drillPids]) {
    if (pid === undefined || !running(pid)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  await restarted?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('drills without orphans', () => {
  it('drills — a SIGKILLed server takes its drill and every drill node with it; the next start marks it interrupted', async () => {
    serverProcess = spawn(
      process.execPath,
      ['--import', 'tsx', SERVER_FIXTURE, databaseUrl, ADMIN],
      {
        cwd: PROJECT_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    serverProcess.stderr!.setEncoding('utf8').on('data', (c: string) => {
      stderr = (stderr + c).slice(-4_000);
    });
    const serverPid = serverProcess.pid!;
    const { url } = await new Promise<{ url: string }>((resolve, reject) => {
      createInterface({ input: serverProcess!.stdout! }).once('line', (line) =>
        resolve(JSON.parse(line) as { url: string }),
      );
      serverProcess!.once('exit', (code) =>
        reject(new Error(`server exited (${code}) before listening: ${stderr}`)),
      );
    });

    const started = await fetch(`${url}/api/drills`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ kind: 'split-brain', nodes: 3 }),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as DrillRecord;

    // wait until the lab is up: a phase after `start` means every node printed `listening`
    let drill: DrillRecord | undefined;
    const deadline = performance.now() + LAB_UP_WITHIN_MS;
    while (performance.now() < deadline) {
      drill = (await (await fetch(`${url}/api/drills/${id}`)).json()) as DrillRecord;
      const phase = drill.lastProgress?.phase;
      if (drill.status !== 'running' || (phase !== undefined && phase !== 'start')) break;
      await sleep(250);
    }
    expect(drill?.status, drill?.error).toBe('running');
    expect(drill?.lastProgress?.phase).not.toBe('start');

    drillPids = descendants(serverPid);
    const described = () => drillPids.map((p) => `${p}: ${cmdline(p)}`).join('\n');
    // the drill CLI and its 3 nodes at least
    expect(drillPids.length, described()).toBeGreaterThanOrEqual(4);
    expect(nodesAmong(drillPids), described()).toHaveLength(3);
    expect(await killAndWait(serverPid, drillPids)).toEqual([]);

    // the next server on the same store: the drill is interrupted, not running forever
    restarted = await startServer({
      port: 0,
      databaseUrl,
      adminToken: ADMIN,
      agentToken: 'agent-token-for-orphan-tests',
      dashboard: false,
    });
    const after = (await (await fetch(`${restarted.url}/api/drills/${id}`)).json()) as DrillRecord;
    expect(after).toMatchObject({ id, kind: 'split-brain', nodes: 3, status: 'interrupted' });
    expect(after.error).toMatch(/server stopped .* while the drill ran \(during /);
    expect(after.finishedAt).toBeGreaterThanOrEqual(after.startedAt);
    const list = (await (await fetch(`${restarted.url}/api/drills`)).json()) as {
      drills: DrillRecord[];
    };
    expect(list.drills.map((d) => [d.id, d.status])).toEqual([[id, 'interrupted']]);
    // an id that is no run's is 404; one that is not a run id at all is refused as bad input
    const unknownId = '00000000-0000-4000-8000-000000000000';
    expect((await fetch(`${restarted.url}/api/drills/${unknownId}`)).status).toBe(404);
    expect((await fetch(`${restarted.url}/api/drills/no-such-drill`)).status).toBe(400);
  }, 120_000);

  it('drills — a silent drill (no progress to fail on) ends with the process that spawned it', async () => {
    runnerProcess = spawn(process.execPath, ['--import', 'tsx', RUNNER_FIXTURE], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const runnerPid = runnerProcess.pid!;
    // every node up: 3 node processes under the drill CLI (bounded)
    let pids: number[] = [];
    const deadline = performance.now() + LAB_UP_WITHIN_MS;
    while (performance.now() < deadline && nodesAmong(pids).length < 3) {
      await sleep(250);
      pids = descendants(runnerPid);
    }
    expect(nodesAmong(pids), pids.map(cmdline).join('\n')).toHaveLength(3);
    // a moment for the nodes to be past start-up (their own parent watch is armed by then)
    await sleep(1_000);
    drillPids = descendants(runnerPid);
    expect(nodesAmong(drillPids)).toHaveLength(3);
    expect(await killAndWait(runnerPid, drillPids)).toEqual([]);
  }, 120_000);
});
