/**
 * A drill run's page: started from the dashboard on the real server (`observatory server`), its
 * verdict, the checker's verdict and the clients' history drawn as a timeline, the history
 * downloaded and parsed; and a failing run, stored as the server stores a finished drill with a
 * known non-linearizable history, shown with the checker's window outlined and listed.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkLinearizability,
  counterModel,
  parseHistory,
  registerModel,
} from '../cluster/check/index.ts';
import { DrillStore } from '../server/drills/drill-store.ts';
import { LOST_ADD_HISTORY } from '../server/drills/testing/histories.ts';
import { openDb } from '../server/store/client.ts';
import { signIn, snap } from './dashboard-steps.ts';
import { expect, launchObservatory, test } from './fixtures/server.ts';

test('drill view — a split-brain drill started from the page: verdict, timeline, history download', async ({
  observatory,
  page,
}, testInfo) => {
  test.setTimeout(180_000);
  await page.goto(observatory.url);
  await signIn(page, observatory.adminToken);
  await expect(page.getByTestId('drills-unavailable')).toHaveCount(0, { timeout: 15_000 });
  await page.getByRole('button', { name: 'Start split-brain drill' }).click();

  // the run just started opens by itself and follows the drill to its end
  const run = page.getByTestId('drill-run');
  await expect(run).toHaveAttribute('data-status', 'running', { timeout: 15_000 });
  await expect(run).toHaveAttribute('data-status', /passed|failed/, { timeout: 150_000 });
  await snap(page, testInfo, 'drill-run');
  await expect(run).toHaveAttribute('data-status', 'passed');
  await expect(run.getByTestId('drill-verdict')).toHaveText('pass');
  await expect(run.getByTestId('drill-checker')).toHaveText('pass');
  await expect(run.getByTestId('drill-checker-time')).toHaveText(/^\d+\.\d ms$/);

  // the timeline: client lanes, operations drawn, the partition shaded up to its heal
  const timeline = run.getByRole('img', { name: /^History timeline: \d+ client lanes/ });
  await expect(timeline).toBeVisible();
  expect(await run.getByTestId('timeline-lane').count()).toBeGreaterThan(0);
  expect(await run.locator('[data-testid="timeline-ops"] rect').count()).toBeGreaterThan(0);
  await expect(run.locator('[data-testid="timeline-fault"][data-fault="partition"]')).toHaveCount(
    1,
  );
  await expect(run.getByTestId('timeline-window-op')).toHaveCount(0);

  // the history downloads as JSON lines, with the client operations and the nemesis
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    run.getByTestId('drill-history-download').click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^drill-split-brain-[0-9a-f-]{36}\.jsonl$/);
  const text = readFileSync(await download.path(), 'utf8');
  const events = text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { process: unknown; f: string });
  expect(events.some((e) => e.process === 'nemesis' && e.f === 'partition')).toBe(true);
  expect(events.some((e) => typeof e.process === 'number')).toBe(true);
  // the kept file is the register workload's history (the counter's is written beside it)
  expect(
    checkLinearizability(parseHistory(text, registerModel), { model: registerModel }).verdict,
  ).toBe('pass');
});

test('drill view — a failing run shows its verdict and the checker’s window, outlined and listed', async ({
  page,
}, testInfo) => {
  const dir = mkdtempSync(join(tmpdir(), 'observatory-e2e-view-'));
  const databaseUrl = `file:${join(dir, 'observatory.db')}`;
  const historyDir = join(dir, 'histories');
  const { server, stop } = await launchObservatory(['server', '--port', '0'], {
    DATABASE_URL: databaseUrl,
    OBSERVATORY_DRILL_HISTORY_DIR: historyDir,
  });
  try {
    // a finished run as the server stores one: its row (report with the real checker's result)
    // and its history file, named by the run's id
    const text = LOST_ADD_HISTORY.join('\n') + '\n';
    const linearizability = checkLinearizability(parseHistory(text, counterModel), {
      model: counterModel,
    });
    expect(linearizability.verdict).toBe('fail');
    const id = randomUUID();
    const db = await openDb(databaseUrl);
    try {
      const store = new DrillStore(db);
      store.save({
        id,
        kind: 'split-brain',
        status: 'failed',
        startedAt: Date.now() - 20_000,
        finishedAt: Date.now() - 5_000,
        report: { verdict: 'fail', checker: 'pass', durationMs: 15_000, linearizability },
        error: 'the clients’ history is not linearizable',
      });
      await store.flush();
    } finally {
      await db.$disconnect();
    }
    mkdirSync(historyDir, { recursive: true });
    writeFileSync(join(historyDir, `${id}.jsonl`), text);

    // the run's own address opens it
    await page.goto(`${server.url}/#drill=${id}`);
    const run = page.getByTestId('drill-run');
    await expect(run).toHaveAttribute('data-status', 'failed', { timeout: 15_000 });
    await expect(run.getByTestId('drill-verdict')).toHaveText('fail');
    await expect(run.getByTestId('drill-checker')).toHaveText('fail');
    await expect(run.getByTestId('timeline-lane')).toHaveCount(4);
    await expect(run.getByTestId('timeline-fault')).toHaveCount(1);
    // the window: the acknowledged add of 2 and the later read of 0, outlined in the timeline…
    await expect(run.getByTestId('timeline-window-op')).toHaveCount(2);
    // …and listed with their clients and values
    const window = run.getByRole('table', { name: 'Failing window of key "k0"' });
    await expect(window.getByRole('row', { name: /process 0 add 2 ok/ })).toBeVisible();
    await expect(window.getByRole('row', { name: /process 3 read → 0 ok/ })).toBeVisible();
    await snap(page, testInfo, 'drill-run-failed');
    await run.getByRole('button', { name: 'Close run' }).click();
    await expect(run).toHaveCount(0);
  } finally {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
