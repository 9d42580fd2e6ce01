/**
 * The dashboard with 100 nodes (the fake observatory's simulated cluster behind the real `/ui`
 * contract): the topology is a canvas with an accessible table beside it, and a kill, a
 * partition and a heal read through that table and the canvas's own counts.
 */
import { test as base } from '@playwright/test';
import { confirmAction, signIn, snap } from './dashboard-steps.ts';
import { launchFake, START_TIMEOUT_MS } from './fixtures/launch-fake.ts';
import type { ObservatoryServer } from './fixtures/server.ts';
import { workerFixture } from './fixtures/worker.ts';

const NODES = 100;
const LINKS = (NODES * (NODES - 1)) / 2;

const test = base.extend<object, { fake100: ObservatoryServer }>({
  fake100: workerFixture(
    () => launchFake(['--nodes', String(NODES), '--shards', '64']),
    START_TIMEOUT_MS + 10_000,
  ),
});
const { expect } = test;

test('dashboard (100 simulated nodes) — a canvas topology with an accessible node table; kill, partition and heal show', async ({
  fake100,
  page,
}, testInfo) => {
  test.setTimeout(180_000);
  await page.goto(fake100.url);
  const canvas = page.getByTestId('topology-canvas');
  await expect(canvas).toHaveAttribute('data-nodes', String(NODES), { timeout: 60_000 });
  await expect(canvas).toHaveAttribute('data-links', String(LINKS));
  // cytoscape drew every element on its canvas
  await expect(canvas).toHaveAttribute('data-drawn', String(NODES + LINKS), { timeout: 30_000 });
  await expect(canvas.locator('canvas').first()).toBeVisible();
  await expect(page.locator('[data-testid="topology-node"][data-status="up"]')).toHaveCount(NODES, {
    timeout: 30_000,
  });
  await expect(page.getByTestId('problem-links-summary')).toHaveText('Every link is up');
  // No SVG mark per link at this size.
  await expect(page.locator('svg.topology')).toHaveCount(0);
  await snap(page, testInfo, 'scale-overview');

  await signIn(page, fake100.adminToken);
  // At this size the controls are one searchable node picker, not two buttons per node.
  await expect(page.getByRole('button', { name: /^Kill n/ })).toHaveCount(1);
  await page.getByLabel('Find a node').fill('n42');
  await expect(page.getByLabel('Node to kill or restart')).toHaveValue('n42@127.0.0.1');
  await confirmAction(page, 'Kill n42', /Restart/);
  const n42 = page.locator('[data-testid="topology-node"][data-node="n42@127.0.0.1"]');
  await expect(n42).toHaveAttribute('data-status', 'down', { timeout: 10_000 });
  await expect(page.getByTestId('picked-node')).toHaveAttribute('data-status', 'down');
  await page.getByLabel('Find a node').fill('');
  await page.getByRole('button', { name: 'Pick n42', exact: true }).click();
  // Its 99 links are no longer up: listed by name (the first 40) and drawn on top.
  await expect(canvas).toHaveAttribute('data-problem-links', String(NODES - 1));
  await expect(page.getByTestId('problem-links-summary')).toHaveText('99 links not up');
  await page.getByRole('button', { name: /^Link n1–n42: / }).click();
  await expect(page.getByTestId('link-details')).toContainText('Link n1 ↔ n42');
  await snap(page, testInfo, 'scale-killed');
  await confirmAction(page, 'Restart n42');
  await expect(n42).toHaveAttribute('data-status', 'up', { timeout: 15_000 });
  await expect(canvas).toHaveAttribute('data-problem-links', '0', { timeout: 15_000 });

  // Seeing the cluster as one node does, from the table (the keyboard path).
  await page.getByText(`Nodes (${NODES})`).click();
  await page.getByRole('button', { name: 'View the cluster as n7@127.0.0.1' }).click();
  await expect(canvas).toHaveAttribute('data-links', String(NODES - 1));
  await expect(page.getByRole('img', { name: /^Cluster as seen by n7@/ })).toBeVisible();
  await page.getByRole('button', { name: 'View the cluster as n7@127.0.0.1' }).click();
  await expect(canvas).toHaveAttribute('data-links', String(LINKS));

  await page.getByRole('radio', { name: 'n1 on side A' }).click();
  await page.getByRole('radio', { name: 'n2 on side B' }).click();
  // The filter's matches go to a side at once (here n9, n19, …, n99).
  await page.getByLabel('Find nodes to place').fill('9@');
  await page.getByRole('button', { name: 'Matches to side B' }).click();
  await expect(page.getByRole('radio', { name: 'n99 on side B' })).toHaveAttribute(
    'aria-checked',
    'true',
  );
  // sides are listed in name order (n19@ sorts before n2@)
  await expect(page.getByRole('group', { name: 'Partition builder' })).toContainText(
    'n1 | n19, n29, n2, n39',
  );
  await confirmAction(page, 'Partition', /reverts by itself after/);
  await expect(page.getByTestId('island')).toHaveCount(2, { timeout: 20_000 });
  await expect(page.getByTestId('topology-summary')).toContainText('Partitioned into 2 sides');
  await snap(page, testInfo, 'scale-partitioned');
  await confirmAction(page, 'Heal');
  await expect(page.getByTestId('island')).toHaveCount(0, { timeout: 20_000 });
  await expect(canvas).toHaveAttribute('data-problem-links', '0', { timeout: 20_000 });
});
