/**
 * The dashboard against a real lab: `observatory start --nodes 5 --port 0` (server, SQLite store,
 * five node processes with agents and the demo workload) and Debian's Chromium, as a person uses it.
 */
import { test as base } from '@playwright/test';
import {
  confirmAction,
  expectAllUp,
  killAndRestart,
  partitionAndHeal,
  refusedWithoutSignIn,
  reloadKeepsHistory,
  signIn,
  snap,
} from './dashboard-steps.ts';
import { labFixture } from './fixtures/lab.ts';
import type { ObservatoryServer } from './fixtures/server.ts';

const NODES = 5;
const test = base.extend<object, { lab: ObservatoryServer }>({
  lab: labFixture(['--nodes', String(NODES)], { nodes: NODES }),
});
const { expect } = test;

test.describe.configure({ mode: 'serial' });

test('dashboard (lab) — the lab’s nodes all appear up, with shards and traffic', async ({
  lab,
  page,
}, testInfo) => {
  await page.goto(lab.url);
  await expectAllUp(page, NODES, 60_000);
  await expect(page.getByRole('img', { name: /^n1@\S+: up/ })).toBeVisible();
  await expect(page.getByTestId('shard').first()).toBeVisible({ timeout: 30_000 });
  // The discovery debugger: the lab's nodes find each other through static seeds.
  const discovery = page.getByTestId('discovery');
  await expect(discovery).toContainText('static', { timeout: 30_000 });
  const targets = discovery.getByRole('table', { name: /^Discovery targets of n\d$/ });
  // every other lab node is a target, linked (whichever side's connect won)
  const rows = targets.getByRole('row');
  await expect(rows).toHaveCount(NODES);
  for (let i = 1; i < NODES; i++)
    await expect(rows.nth(i).getByRole('cell').nth(2)).toHaveText('yes');
  await snap(page, testInfo, 'lab-overview');
});

test('dashboard (lab) — a control without sign-in is refused with a message', async ({
  lab,
  page,
}) => {
  await page.goto(lab.url);
  await expectAllUp(page, NODES);
  await refusedWithoutSignIn(page, lab.url, 'n1');
});

test('dashboard (lab) — kill and restart a node', async ({ lab, page }, testInfo) => {
  test.setTimeout(120_000);
  await page.goto(lab.url);
  await expectAllUp(page, NODES);
  await signIn(page, lab.adminToken);
  await killAndRestart(page, testInfo, 'n3', NODES);
  await snap(page, testInfo, 'lab-restarted');
});

test('dashboard (lab) — a 2|3 partition shows two islands and differing views; heal restores the mesh', async ({
  lab,
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  await page.goto(lab.url);
  await expectAllUp(page, NODES);
  await signIn(page, lab.adminToken);
  await partitionAndHeal(page, testInfo, ['n1', 'n2'], ['n3', 'n4', 'n5'], NODES);
  await snap(page, testInfo, 'lab-healed');
});

test('dashboard (lab) — after a reload the history chart still holds the last minutes', async ({
  lab,
  page,
}, testInfo) => {
  await page.goto(lab.url);
  await expectAllUp(page, NODES);
  // By now the lab has run for a while: the store has well over 20 one-second buckets.
  await reloadKeepsHistory(page, testInfo, 20);
});

test('dashboard (lab) — a split-brain drill run from the page passes', async ({
  lab,
  page,
}, testInfo) => {
  test.setTimeout(180_000);
  await page.goto(lab.url);
  await expectAllUp(page, NODES);
  await signIn(page, lab.adminToken);
  await expect(page.getByTestId('drills-unavailable')).toHaveCount(0, { timeout: 15_000 });
  await page.getByRole('button', { name: 'Start split-brain drill' }).click();
  const drill = page.locator('[data-testid="drill"][data-kind="split-brain"]').first();
  await expect(drill).toHaveAttribute('data-status', /passed|failed/, { timeout: 150_000 });
  await snap(page, testInfo, 'lab-drill');
  await expect(drill).toHaveAttribute('data-status', 'passed');
  await confirmAction(page, 'Heal');
});
