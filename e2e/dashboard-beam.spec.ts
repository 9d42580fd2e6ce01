/**
 * The dashboard against a mixed lab: `observatory start --beam 3 --nodes 2` (three real `erl`
 * nodes watched over rex, two TypeScript nodes with agents) in Debian's Chromium. Needs
 * Erlang/OTP (`erl`, `erlc`).
 */
import { test as base, type Page } from '@playwright/test';
import { confirmAction, expectAllUp, signIn, snap } from './dashboard-steps.ts';
import { labFixture } from './fixtures/lab.ts';
import type { ObservatoryServer } from './fixtures/server.ts';

const TOTAL = 5;
const test = base.extend<object, { lab: ObservatoryServer }>({
  lab: labFixture(['--beam', '3', '--nodes', '2', '--no-workload']),
});
const { expect } = test;

const mark = (page: Page, name: string) =>
  page.locator(`[data-testid="topology-node"][data-node="${name}@127.0.0.1"]`);

// A partition runs out net_ticktime and a heal waits for the demo's re-pings: more than the default.
test.describe.configure({ mode: 'serial', timeout: 150_000 });

test('dashboard (BEAM lab) — the topology shows both kinds, BEAM nodes with their OTP release', async ({
  lab,
  page,
}, testInfo) => {
  await page.goto(lab.url);
  await expectAllUp(page, TOTAL, 60_000);
  await expect(page.locator('[data-testid="topology-node"][data-runtime="beam"]')).toHaveCount(3);
  await expect(page.locator('[data-testid="topology-node"][data-runtime="node"]')).toHaveCount(2);
  await expect(page.getByRole('img', { name: /^b1@127\.0\.0\.1: up, BEAM OTP \d+/ })).toBeVisible();
  // The demo's traffic between BEAM nodes, counted by the proxy, is charted as any node's is:
  // per node, b1 has a line on the payload chart.
  const traffic = page.getByTestId('traffic-charts');
  await traffic.getByRole('radio', { name: 'per node' }).click();
  const payload = traffic.getByRole('figure', { name: 'Payload size p95, per node' });
  await expect(
    payload.locator('.recharts-legend-item').filter({ hasText: /^\s*b1\s*$/ }),
  ).toHaveCount(1, { timeout: 30_000 });
  await expect(payload.locator('.recharts-line-curve').first()).toBeVisible();
  await snap(page, testInfo, 'beam-lab-overview');
});

test('dashboard (BEAM lab) — partition cuts b1 off: its links go down within net_ticktime, heal brings them back', async ({
  lab,
  page,
}, testInfo) => {
  await page.goto(lab.url);
  await expectAllUp(page, TOTAL, 60_000);
  await signIn(page, lab.adminToken);
  const link = (a: string, b: string) =>
    page.getByRole('button', { name: new RegExp(`^Link ${a}–${b}: `) });
  await expect(link('b1', 'b2')).toHaveAttribute('data-state', 'up', { timeout: 30_000 });
  await page.getByRole('radio', { name: 'b1 on side A' }).click();
  for (const n of ['b2', 'b3']) await page.getByRole('radio', { name: `${n} on side B` }).click();
  await confirmAction(page, 'Partition', /reverts by itself after/);
  // The proxy's blackhole is drawn as soon as the fault is reported...
  await expect(link('b1', 'b2')).toHaveAttribute('data-state', 'blackholed');
  // ...and b1 itself loses b2 and b3 when its net_ticktime (4 s in the lab) runs out: its own
  // view, polled over rex, shows both links down. Bound: the ticktime, a 1 s poll, slack.
  await page.getByLabel('As seen by node').selectOption({ label: 'b1' });
  await expect(page.getByRole('group', { name: /as seen by b1@/ })).toBeVisible();
  await expect(link('b1', 'b2')).toHaveAttribute('data-state', 'down', { timeout: 20_000 });
  await expect(link('b1', 'b3')).toHaveAttribute('data-state', 'down', { timeout: 20_000 });
  await snap(page, testInfo, 'beam-lab-b1-cut-off');
  await page.getByLabel('As seen by node').selectOption({ value: '' });
  await confirmAction(page, 'Heal');
  // The demo application pings its peers every 2 s, so the links come back by themselves.
  await expect(link('b1', 'b2')).toHaveAttribute('data-state', 'up', { timeout: 30_000 });
  await expect(link('b1', 'b3')).toHaveAttribute('data-state', 'up', { timeout: 30_000 });
  await snap(page, testInfo, 'beam-lab-healed');
});

test('dashboard (BEAM lab) — kill removes a BEAM node', async ({ lab, page }, testInfo) => {
  await page.goto(lab.url);
  await expectAllUp(page, TOTAL, 60_000);
  await signIn(page, lab.adminToken);
  await confirmAction(page, 'Kill b2');
  await expect(mark(page, 'b2')).toHaveAttribute('data-status', 'down', { timeout: 10_000 });
  await expect(mark(page, 'b1')).toHaveAttribute('data-status', 'up');
  await expect(mark(page, 'n1')).toHaveAttribute('data-status', 'up');
  await snap(page, testInfo, 'beam-lab-killed');
});
