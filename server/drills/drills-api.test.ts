import { afterEach, describe, expect, it } from 'vitest';
import { checkLinearizability, parseHistory, registerModel } from '../../cluster/check/index.ts';
import { drillViewSchema } from '../../protocol/http.ts';
import { startServer, type RunningServer } from '../start.ts';
import { freshSqlite, type TestDatabase } from '../store/testing/databases.ts';
import { runDrill } from './runner.ts';

const ADMIN = 'admin-token-for-drill-tests';

interface DrillJson {
  id: string;
  kind: string;
  status: string;
  startedAt: number;
  finishedAt?: number;
  progress?: string;
  report?: { verdict: string; writesAttempted: number; writesAcked: number };
  error?: string;
}

describe('drills api', () => {
  let server: RunningServer | undefined;
  let database: TestDatabase | undefined;

  afterEach(async () => {
    // closing the server stops a drill still running (and its process group)
    await server?.close();
    server = undefined;
    await database?.drop();
    database = undefined;
  });

  /** A server on a fresh database, or on the current one (a restart) after closing the last. */
  async function start(restart = false): Promise<RunningServer> {
    if (restart) {
      await server?.close();
    } else {
      database = freshSqlite();
    }
    server = await startServer({
      port: 0,
      databaseUrl: database!.url,
      adminToken: ADMIN,
      agentToken: 'agent-token-for-drill-tests',
      dashboard: false,
    });
    return server;
  }

  const post = (url: string, body: unknown, token: string | null = ADMIN) =>
    fetch(`${url}/api/drills`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token !== null && { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(body),
    });

  it('drills api — refuses without the admin token (401) and bad kind or nodes (400)', async () => {
    const { url } = await start();
    expect((await post(url, { kind: 'split-brain' }, null)).status).toBe(401);
    expect((await post(url, { kind: 'split-brain' }, 'wrong')).status).toBe(401);
    const badKind = await post(url, { kind: 'meteor' });
    expect(badKind.status).toBe(400);
    expect(((await badKind.json()) as { error: { message: string } }).error.message).toMatch(
      /kind must be one of 'node-loss', 'split-brain', 'pause', 'isolate'/,
    );
    const badNodes = await post(url, { kind: 'pause', nodes: 100 });
    expect(badNodes.status).toBe(400);
    expect(((await badNodes.json()) as { error: { message: string } }).error.message).toMatch(
      /nodes must be an integer from 3 to 9/,
    );
    // a negative control only with the drill it defeats, as on the CLI
    const wrongDrill = await post(url, { kind: 'node-loss', unsafe: 'no-lease' });
    expect(wrongDrill.status).toBe(400);
    expect(((await wrongDrill.json()) as { error: { message: string } }).error.message).toMatch(
      /unsafe 'no-lease' is a negative control for 'split-brain' only/,
    );
    const badSwitch = await post(url, { kind: 'pause', unsafe: 'no-checker' });
    expect(badSwitch.status).toBe(400);
    expect(((await badSwitch.json()) as { error: { message: string } }).error.message).toMatch(
      /unsafe must be one of 'no-store-fence', 'no-lease'/,
    );
    const list = (await (await fetch(`${url}/api/drills`)).json()) as { drills: DrillJson[] };
    expect(list.drills).toEqual([]);
  });

  it('drills api — a negative control (pause --unsafe no-store-fence) runs, fails naming the stale-epoch writes, and is recorded as one', async () => {
    const { url } = await start();
    const started = await post(url, { kind: 'pause', unsafe: 'no-store-fence' });
    expect(started.status).toBe(202);
    const record = (await started.json()) as DrillJson & { unsafe?: string };
    expect(record).toMatchObject({ kind: 'pause', unsafe: 'no-store-fence', status: 'running' });
    let drill: (DrillJson & { unsafe?: string }) | undefined;
    // bounded on the monotonic clock: a 3-node pause takes ~15 s quiet, a minute or more loaded
    const deadline = performance.now() + 120_000;
    while (performance.now() < deadline) {
      const list = (await (await fetch(`${url}/api/drills`)).json()) as { drills: DrillJson[] };
      drill = list.drills.find((d) => d.id === record.id);
      if (drill?.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(drill?.error).toBeUndefined();
    expect(drill).toMatchObject({ status: 'failed', unsafe: 'no-store-fence' });
    const report = drill!.report as unknown as {
      verdict: string;
      staleEpochWrites: number;
      violations: { kind: string }[];
    };
    expect(report.verdict).toBe('fail');
    expect(report.staleEpochWrites).toBeGreaterThan(0);
    // the first 50 findings: epoch regressions and stale-epoch writes, in commit order
    expect(report.violations.length).toBeGreaterThan(0);
    expect(
      report.violations.every((v) => ['stale_epoch_write', 'epoch_regression'].includes(v.kind)),
    ).toBe(true);
    // the switch is in the store with the run
    const restarted = await start(true);
    const view = (await (await fetch(`${restarted.url}/api/drills/${record.id}`)).json()) as {
      unsafe?: string;
    };
    expect(view.unsafe).toBe('no-store-fence');
  }, 180_000);

  it('drills api — a split-brain drill on 3 nodes runs to passed, one at a time, with events; its report survives a restart', async () => {
    const { url } = await start();
    const started = await post(url, { kind: 'split-brain', nodes: 3 });
    expect(started.status).toBe(202);
    const record = (await started.json()) as DrillJson;
    expect(record).toMatchObject({ kind: 'split-brain', status: 'running' });
    expect((await post(url, { kind: 'pause' })).status).toBe(409);

    let drill: DrillJson | undefined;
    let sawProgress = false;
    // bounded: 220 polls of 500 ms (a 3-node split-brain takes 12 s on a quiet machine, 45 s at load 40)
    for (let i = 0; i < 220; i++) {
      const list = (await (await fetch(`${url}/api/drills`)).json()) as { drills: DrillJson[] };
      drill = list.drills.find((d) => d.id === record.id);
      if (drill?.status === 'running' && drill.progress !== 'starting') sawProgress = true;
      if (drill?.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(drill?.error).toBeUndefined();
    expect(drill).toMatchObject({ status: 'passed', report: { verdict: 'pass' } });
    expect(drill!.report!.writesAcked).toBeGreaterThan(0);
    expect(drill!.finishedAt).toBeGreaterThanOrEqual(drill!.startedAt);
    expect(sawProgress).toBe(true);

    // start and finish are in the store, so /api/events (and the timeline) list them
    let actions: string[] = [];
    for (let i = 0; i < 20 && !actions.includes('passed'); i++) {
      const body = (await (await fetch(`${url}/api/events?type=drill`)).json()) as {
        events: { event: { type: string; id: string; action: string } }[];
      };
      actions = body.events.filter((e) => e.event.id === record.id).map((e) => e.event.action);
      if (!actions.includes('passed')) await new Promise((r) => setTimeout(r, 250));
    }
    expect(actions).toContain('started');
    expect(actions).toContain('passed');

    // the report is in the store: a new server process on the same database serves it
    const restarted = await start(true);
    const byId = await fetch(`${restarted.url}/api/drills/${record.id}`);
    expect(byId.status).toBe(200);
    const view = drillViewSchema.parse(await byId.json());
    expect(view).toMatchObject(drill!);
    // the clients' history was kept: drawn as a timeline, and downloadable as the file
    expect(view.historyFile?.bytes).toBeGreaterThan(0);
    const timeline = view.timeline!;
    expect(timeline.processes.length).toBeGreaterThan(0);
    expect(timeline.totalOps).toBeGreaterThan(0);
    expect(timeline.intervals.map((i) => [i.f, i.until])).toContainEqual(['partition', 'heal']);
    const download = await fetch(`${restarted.url}${view.historyFile!.url}`);
    expect(download.status).toBe(200);
    const text = await download.text();
    expect(Buffer.byteLength(text)).toBe(view.historyFile!.bytes);
    // the run's history file is the register workload's (the counter's goes beside it)
    const checked = checkLinearizability(parseHistory(text, registerModel), {
      model: registerModel,
    });
    expect(checked.verdict).toBe('pass');
    expect(checked.operations).toBe(timeline.totalOps);
    const list = (await (await fetch(`${restarted.url}/api/drills`)).json()) as {
      drills: DrillJson[];
    };
    expect(list.drills).toEqual([drill]);
    expect((await fetch(`${restarted.url}/api/drills/${record.id}x`)).status).toBe(400);
    expect((await fetch(`${restarted.url}/api/drills?limit=0`)).status).toBe(400);
  }, 150_000);

  it('drills api — a real drill past its hard timeout is stopped and recorded failed', async () => {
    const run = runDrill({ kind: 'pause', timeoutMs: 1_500, killGraceMs: 2_000 });
    const outcome = await run.done;
    expect(outcome.passed).toBe(false);
    expect(outcome.error).toMatch(/timed out after 1500 ms/);
  }, 20_000);
});
