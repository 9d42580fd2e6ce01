import { FakeClock } from '../../cluster/fake-clock.ts';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import type { ServerEvent } from '../../protocol/model.ts';
import { BadRequestError, ConflictError, NotFoundError } from '../errors.ts';
import { openDb, type Db } from '../store/client.ts';
import { migrate } from '../store/migrate.ts';
import { freshSqlite, type TestDatabase } from '../store/testing/databases.ts';
import { DrillStore } from './drill-store.ts';
import { Drills, INTERRUPTED_BY_CRASH } from './drills.ts';
import {
  drillArgs,
  parseProgressLine,
  parseReport,
  runDrill,
  type DrillChild,
  type DrillProgress,
} from './runner.ts';

/** A child process whose output, exit and signals the test controls. */
class FakeChild extends EventEmitter implements DrillChild {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly signals: string[] = [];
  args: readonly string[] = [];
  killGroup(signal: 'SIGTERM' | 'SIGKILL'): void {
    this.signals.push(signal);
  }
  /** Ends both streams, then closes like a process. */
  exit(code: number | null, signal: string | null = null): void {
    this.stdout.end();
    this.stderr.end();
    // 'close' follows the streams' end, as for a real child
    setImmediate(() => this.emit('close', code, signal));
  }
}

const REPORT = { verdict: 'pass', drill: 'split-brain', writesAttempted: 10, writesAcked: 9 };
const line = (o: object) => `${JSON.stringify(o)}\n`;
const flush = () => new Promise((r) => setImmediate(r));

function fakeRun(extra: { timeoutMs?: number } = {}) {
  const child = new FakeChild();
  const timers = new FakeClock();
  const progress: DrillProgress[] = [];
  const run = runDrill({
    kind: 'split-brain',
    nodes: 3,
    timers,
    killGraceMs: 50,
    ...extra,
    spawn: (args) => {
      child.args = args;
      return child;
    },
    onProgress: (p) => progress.push(p),
  });
  return { child, timers, progress, run };
}

describe('drills runner', () => {
  it('drills runner — passes the kind, --nodes, --json and --progress to the CLI', () => {
    const { child } = fakeRun();
    expect(child.args).toEqual(['drill', 'split-brain', '--json', '--progress', '--nodes', '3']);
    expect(drillArgs('pause')).toEqual(['drill', 'pause', '--json', '--progress']);
    expect(drillArgs('pause', undefined, undefined, 'no-store-fence')).toEqual([
      'drill',
      'pause',
      '--json',
      '--progress',
      '--unsafe',
      'no-store-fence',
    ]);
  });

  it('drills runner — parses progress lines split across chunks and ignores other stderr', async () => {
    const { child, progress, run } = fakeRun();
    const first = line({ drill: 'split-brain', phase: 'start', at: 1, attempted: 0, acked: 0 });
    child.stderr.write(first.slice(0, 10));
    child.stderr.write(first.slice(10) + 'a warning\n{"not":"progress"}\n');
    child.stderr.write(line({ phase: 'partition', at: 2, attempted: 5, acked: 4 }));
    child.stdout.write(line(REPORT));
    child.exit(0);
    const outcome = await run.done;
    expect(progress.map((p) => p.phase)).toEqual(['start', 'partition']);
    expect(progress[1]).toMatchObject({ attempted: 5, acked: 4 });
    expect(outcome).toEqual({ passed: true, report: REPORT });
  });

  it('drills runner — a failing verdict with exit 1 is failed with its report', async () => {
    const { child, run } = fakeRun();
    child.stdout.write(line({ ...REPORT, verdict: 'fail', error: 'lab did not start' }));
    child.exit(1);
    const outcome = await run.done;
    expect(outcome.passed).toBe(false);
    expect(outcome.report?.verdict).toBe('fail');
    expect(outcome.error).toBe('lab did not start');
  });

  it('drills runner — a crash without JSON is failed with the last stderr lines', async () => {
    const { child, run } = fakeRun();
    child.stderr.write('Error: boom\n    at somewhere\n');
    child.exit(3);
    const outcome = await run.done;
    expect(outcome).toMatchObject({ passed: false });
    expect(outcome.report).toBeUndefined();
    expect(outcome.error).toContain('exit status 3');
    expect(outcome.error).toContain('Error: boom');
    expect(outcome.error).toContain('at somewhere');
  });

  it('drills runner — a timeout sends SIGTERM, then SIGKILL after the grace, and fails', async () => {
    const { child, timers, run } = fakeRun({ timeoutMs: 1_000 });
    timers.advance(1_000);
    expect(child.signals).toEqual(['SIGTERM']);
    timers.advance(50);
    expect(child.signals).toEqual(['SIGTERM', 'SIGKILL']);
    child.exit(null, 'SIGKILL');
    const outcome = await run.done;
    expect(outcome.passed).toBe(false);
    expect(outcome.error).toContain('timed out after 1000 ms');
  });

  it('drills runner — a spawn error fails the drill', async () => {
    const { child, run } = fakeRun();
    child.emit('error', new Error('ENOENT'));
    expect((await run.done).error).toContain('ENOENT');
  });

  it('drills runner — report and progress parsers reject what is not theirs', () => {
    expect(parseProgressLine('{"phase":1,"at":2}')).toBeUndefined();
    expect(parseProgressLine('[1]')).toBeUndefined();
    expect(parseProgressLine('plain text')).toBeUndefined();
    expect(parseReport('noise\n{"x":1}\n')).toBeUndefined();
    expect(parseReport('kept: /tmp\n{"verdict":"pass"}\n\n')).toEqual({ verdict: 'pass' });
  });
});

describe('drills service', () => {
  let database: TestDatabase;
  let db: Db;

  // a database per test: a drill a test leaves running must not write into the next one
  beforeEach(async () => {
    database = freshSqlite();
    await migrate(database.url);
    db = await openDb(database.url);
  });
  afterEach(async () => {
    await db?.$disconnect();
    await database?.drop();
  });

  function service(keep?: number) {
    const children: FakeChild[] = [];
    const events: ServerEvent[] = [];
    let t = 1_000;
    const drills = new Drills({
      db,
      now: () => t++,
      publish: (e) => events.push(e),
      ...(keep !== undefined && { keep }),
      runner: {
        timers: new FakeClock(),
        spawn: () => {
          const c = new FakeChild();
          children.push(c);
          return c;
        },
      },
    });
    return { drills, children, events };
  }

  /** Lets a fake child's close reach the service. */
  const settle = async () => {
    await flush();
    await flush();
  };

  it('drills service — bad kind, nodes or limit is a ZodError with a clear message', async () => {
    const { drills } = service();
    expect(() => drills.start({ kind: 'meteor' })).toThrow(/kind must be/);
    expect(() => drills.start({ kind: 'pause', nodes: 2 })).toThrow(/nodes must be an integer/);
    expect(() => drills.start({ kind: 'pause', nodes: 'x' })).toThrow(ZodError);
    await expect(drills.list({ limit: '0' })).rejects.toThrow(/limit must be an integer from 1/);
    await expect(drills.list({ limit: 'all' })).rejects.toThrow(ZodError);
    expect((await drills.list()).drills).toEqual([]);
    await expect(drills.get('no-such-drill')).rejects.toBeInstanceOf(BadRequestError);
    await expect(drills.get(randomUUID())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('drills service — one drill at a time: a second start is a ConflictError', async () => {
    const { drills, children } = service();
    drills.start({ kind: 'pause' });
    expect(() => drills.start({ kind: 'node-loss' })).toThrow(ConflictError);
    children[0]!.stdout.write(line({ verdict: 'pass' }));
    children[0]!.exit(0);
    await settle();
    expect((await drills.list()).drills[0]!.status).toBe('passed');
    expect(drills.start({ kind: 'node-loss' }).status).toBe('running');
  });

  it('drills service — records progress and verdict in the store, publishes start, phases and finish', async () => {
    const { drills, children, events } = service();
    const started = drills.start({ kind: 'split-brain', nodes: 3 });
    const child = children[0]!;
    child.stderr.write(line({ phase: 'load', at: 5, attempted: 10, acked: 10 }));
    await flush();
    await drills.list();
    // a tick refreshes the live record, not the stored one (writes stay one per phase)
    child.stderr.write(line({ phase: 'load', at: 6, attempted: 20, acked: 19, tick: true }));
    await flush();
    const running = (await drills.list()).drills[0]!;
    expect(running).toMatchObject({
      id: started.id,
      nodes: 3,
      status: 'running',
      progress: 'load · 20 writes, 19 acked',
    });
    expect(running.lastProgress).toMatchObject({ phase: 'load', attempted: 20 });
    const stored = await new DrillStore(db).get(started.id);
    expect(stored).toMatchObject({ status: 'running', progress: 'load · 10 writes, 10 acked' });

    child.stdout.write(line(REPORT));
    child.exit(0);
    await settle();
    const done = await drills.get(started.id);
    expect(done).toMatchObject({ status: 'passed', nodes: 3, report: REPORT });
    expect(done.finishedAt).toBeGreaterThan(done.startedAt);
    expect(done.progress).toBeUndefined();
    expect(await db.drillRun.findUniqueOrThrow({ where: { id: started.id } })).toMatchObject({
      kind: 'split-brain',
      options: '{"nodes":3}',
      state: 'passed',
      verdict: 'pass',
      progress: null,
    });
    expect(events.map((e) => (e.type === 'drill' ? e.action : e.type))).toEqual([
      'started',
      'phase:load',
      'passed',
    ]);
  });

  it('drills service — close stops the running drill and it is stored interrupted', async () => {
    const { drills, children } = service();
    const started = drills.start({ kind: 'pause' });
    const closing = drills.close();
    expect(children[0]!.signals).toEqual(['SIGTERM']);
    children[0]!.exit(null, 'SIGTERM');
    await closing;
    // read through a new service, as the next server process would
    const after = await service().drills.get(started.id);
    expect(after).toMatchObject({ status: 'interrupted' });
    expect(after.error).toContain('shut down');
    expect(() => drills.start({ kind: 'pause' })).toThrow(ConflictError);
  });

  it('drills service — a timed-out drill is failed, not interrupted', async () => {
    const children: FakeChild[] = [];
    const timers = new FakeClock();
    const drills = new Drills({
      db,
      now: () => 5_000,
      publish: () => {},
      runner: {
        timers,
        timeoutMs: 1_000,
        spawn: () => {
          const c = new FakeChild();
          children.push(c);
          return c;
        },
      },
    });
    const started = drills.start({ kind: 'pause' });
    timers.advance(1_000);
    children[0]!.exit(null, 'SIGTERM');
    await settle();
    expect(await drills.get(started.id)).toMatchObject({ status: 'failed' });
  });

  it('drills service — a run left running by a dead server is interrupted at the next start', async () => {
    const store = new DrillStore(db);
    store.save({
      id: 'left-running',
      kind: 'split-brain',
      status: 'running',
      startedAt: 500,
      progress: 'partition · 40 writes, 38 acked',
      lastProgress: { phase: 'partition', at: 600, attempted: 40, acked: 38 },
    });
    store.save({ id: 'finished', kind: 'pause', status: 'passed', startedAt: 400 });
    await store.flush();

    const { drills, events } = service();
    const list = (await drills.list()).drills;
    expect(list.map((d) => [d.id, d.status])).toEqual([
      ['left-running', 'interrupted'],
      ['finished', 'passed'],
    ]);
    const interrupted = list[0]!;
    expect(interrupted.error).toBe(
      `${INTERRUPTED_BY_CRASH} (during partition · 40 writes, 38 acked)`,
    );
    expect(interrupted.progress).toBeUndefined();
    expect(interrupted.lastProgress).toMatchObject({ phase: 'partition', acked: 38 });
    expect(interrupted.finishedAt).toBeGreaterThanOrEqual(1_000);
    expect(events).toMatchObject([{ type: 'drill', id: 'left-running', action: 'interrupted' }]);
    // a new drill of this server is not touched by the recovery
    expect(drills.start({ kind: 'pause' }).status).toBe('running');
    expect((await drills.list()).drills[0]!.status).toBe('running');
  });

  it('drills service — keeps only the newest runs in the store', async () => {
    const { drills, children } = service(5);
    for (let i = 0; i < 7; i++) {
      drills.start({ kind: 'pause' });
      children[i]!.exit(1);
      await settle();
    }
    await drills.close();
    expect(await db.drillRun.count()).toBe(5);
    const list = (await drills.list()).drills;
    expect(list).toHaveLength(5);
    expect(list[0]!.startedAt).toBeGreaterThan(list[4]!.startedAt);
    await expect(drills.list({ limit: '6' })).rejects.toThrow(/from 1 to 5/);
  });
});
