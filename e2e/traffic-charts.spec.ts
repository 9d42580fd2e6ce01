/**
 * The traffic charts of a 32-node cluster (the fake observatory): per node, the busiest nodes are
 * drawn with one line for all the others, and a table keeps every node's rate and percentiles.
 */
import { expect, test } from '@playwright/test';
import { expectAllUp, snap } from './dashboard-steps.ts';
import { launchFake, START_TIMEOUT_MS, type FakeServer } from './fixtures/launch-fake.ts';

const NODES = 32;

let fake: FakeServer;
let stop: (() => Promise<void>) | undefined;

test.beforeAll(async () => {
  test.setTimeout(START_TIMEOUT_MS + 10_000);
  ({ server: fake, stop } = await launchFake([
    '--nodes',
    String(NODES),
    '--shards',
    '64',
    '--backfill',
    '120',
  ]));
});

test.afterAll(async () => {
  await stop?.();
});

test('traffic charts (simulated, 32 nodes) — per node: 8 busiest drawn, one line for the rest, every node in the table', async ({
  page,
}, testInfo) => {
  await page.goto(fake.url);
  await expectAllUp(page, NODES);
  const panel = page.getByTestId('traffic-charts');
  await expect(panel).toHaveAttribute('data-source', 'store');
  const charts = panel.getByTestId('time-chart');
  const table = panel.getByRole('table', { name: 'Traffic per node' });
  // Per channel there are few enough series to draw them all.
  await expect(charts.first().locator('.recharts-line-curve').first()).toBeVisible();
  await expect(panel.getByTestId('traffic-others')).toHaveCount(0);

  await panel.getByRole('radio', { name: 'per node' }).click();
  await expect(charts.nth(0)).toHaveAttribute('aria-label', 'Messages per second, per node');
  await expect(charts.nth(1)).toHaveAttribute('aria-label', 'Payload size p95, per node');
  for (const chart of await charts.all()) {
    await expect(chart.locator('.recharts-line-curve')).toHaveCount(9);
    await expect(chart.locator('.recharts-legend-item')).toHaveCount(9);
    await expect(
      chart.locator('.recharts-legend-item').filter({ hasText: 'others (highest of 24)' }),
    ).toHaveCount(1);
  }
  await expect(panel.getByTestId('traffic-others')).toContainText(
    'draw the 8 busiest nodes by messages',
  );
  const rows = table.getByTestId('series-row');
  await expect(rows).toHaveCount(NODES);
  // Every node's payload percentile is readable, drawn on its own or not.
  const names = await rows.getByRole('rowheader').allTextContents();
  expect(new Set(names.map((n) => n.trim())).size).toBe(NODES);
  for (const cell of await rows.locator('td:nth-child(3)').all()) {
    await expect(cell).toHaveText(/^\d+(\.\d)? (B|KiB|MiB)$/);
  }
  await snap(page, testInfo, 'traffic-per-node');

  await panel.getByRole('radio', { name: 'p99' }).click();
  await expect(table.getByRole('columnheader', { name: 'p99 largest' })).toBeVisible();
  await expect(charts.nth(1)).toHaveAttribute('aria-label', 'Payload size p99, per node');

  await panel.getByRole('radio', { name: 'per channel' }).click();
  await expect(charts.nth(0)).toHaveAttribute('aria-label', 'Messages per second, per channel');
  await expect(table).toHaveCount(0);
});
