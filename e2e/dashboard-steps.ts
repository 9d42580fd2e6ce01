/**
 * What a person does on the dashboard, as steps shared by the spec against the real lab and the
 * spec against the fake observatory. Every step finds things by role and accessible name.
 */
import { expect, type Page, type TestInfo } from '@playwright/test';

export async function snap(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

const node = (page: Page, name: string) =>
  page.locator(`[data-testid="topology-node"][data-node^="${name}@"]`);

/** Waits until `count` nodes are drawn and all are up. */
export async function expectAllUp(page: Page, count: number, timeout = 30_000): Promise<void> {
  await expect(page.getByTestId('topology-node')).toHaveCount(count, { timeout });
  await expect(page.locator('[data-testid="topology-node"][data-status="up"]')).toHaveCount(count, {
    timeout,
  });
  await expect(page.getByTestId('summary')).toContainText(`${count} of ${count} nodes up`);
}

export async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Signed in as admin')).toBeVisible();
}

/** Clicks a control, then the confirmation's button of the same name. */
export async function confirmAction(page: Page, button: string, limit?: RegExp): Promise<void> {
  await page.getByRole('button', { name: button, exact: true }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  if (limit !== undefined) await expect(dialog.getByTestId('confirm-limit')).toHaveText(limit);
  await dialog.getByRole('button', { name: button, exact: true }).click();
  await expect(dialog).toBeHidden();
}

/** Shard numbers owned by `name` according to the shard map. */
export async function shardsOf(page: Page, name: string): Promise<string[]> {
  return page
    .locator(`[data-testid="shard"][data-owner^="${name}@"]`)
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-shard') ?? ''));
}

export async function killAndRestart(
  page: Page,
  testInfo: TestInfo,
  name: string,
  total: number,
): Promise<void> {
  const owned = await shardsOf(page, name);
  await confirmAction(page, `Kill ${name}`, /Restart/);
  await expect(node(page, name)).toHaveAttribute('data-status', 'down', { timeout: 5_000 });
  if (owned.length > 0) {
    // Its shards move to other owners: their cells change colour.
    await expect.poll(async () => (await shardsOf(page, name)).length, { timeout: 15_000 }).toBe(0);
    const first = page.locator(`[data-testid="shard"][data-shard="${owned[0]}"]`);
    await expect(first).not.toHaveAttribute('data-owner', new RegExp(`^${name}@`));
  }
  await expect(
    page
      .getByTestId('event')
      .filter({ hasText: new RegExp(`nodedown ${name}\\b|kill`) })
      .first(),
  ).toBeVisible({
    timeout: 10_000,
  });
  await snap(page, testInfo, `killed-${name}`);
  await confirmAction(page, `Restart ${name}`);
  await expectAllUp(page, total, 30_000);
}

export async function partitionAndHeal(
  page: Page,
  testInfo: TestInfo,
  sideA: readonly string[],
  sideB: readonly string[],
  total: number,
): Promise<void> {
  for (const n of sideA) await page.getByRole('radio', { name: `${n} on side A` }).click();
  for (const n of sideB) await page.getByRole('radio', { name: `${n} on side B` }).click();
  await confirmAction(page, 'Partition', /reverts by itself after/);
  await expect(page.getByTestId('island')).toHaveCount(2, { timeout: 20_000 });
  await expect(page.getByTestId('topology-summary')).toContainText('Partitioned into 2 sides');
  // The two sides see different clusters.
  const viewOf = async (n: string) => {
    await page.getByLabel('As seen by node').selectOption({ label: n });
    await expect(page.getByRole('group', { name: new RegExp(`as seen by ${n}@`) })).toBeVisible();
    return page
      .locator('[data-testid="topology-node"]')
      .evaluateAll((els) =>
        els
          .filter((e) => e.getAttribute('opacity') === '1')
          .map((e) => e.getAttribute('data-node')),
      );
  };
  const a = await viewOf(sideA[0]!);
  await snap(page, testInfo, `view-of-${sideA[0]}`);
  const b = await viewOf(sideB[0]!);
  expect(a.sort()).not.toEqual(b.sort());
  expect(a).toHaveLength(sideA.length);
  expect(b).toHaveLength(sideB.length);
  await page.getByLabel('As seen by node').selectOption({ value: '' });
  await snap(page, testInfo, 'partitioned');
  await confirmAction(page, 'Heal');
  await expect(page.getByTestId('island')).toHaveCount(0, { timeout: 20_000 });
  const links = (total * (total - 1)) / 2;
  await expect(page.locator('[data-testid="link"][data-state="up"]')).toHaveCount(links, {
    timeout: 20_000,
  });
}

/** After a reload the traffic chart is full at once, from the store, not from new pushes. */
export async function reloadKeepsHistory(
  page: Page,
  testInfo: TestInfo,
  minPoints: number,
): Promise<void> {
  await page.reload();
  const chart = page.getByTestId('time-chart').first();
  await expect(page.getByTestId('traffic-charts')).toHaveAttribute('data-source', 'store', {
    timeout: 10_000,
  });
  // Pushes add about one point a second: within a few seconds only the store can fill it. (Read
  // once right after the source turned 'store', it once showed 1 point under CI load.)
  await expect
    .poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 5_000 })
    .toBeGreaterThanOrEqual(minPoints);
  await expect(chart.locator('.recharts-line-curve').first()).toBeVisible();
  await snap(page, testInfo, 'after-reload');
}

/** Without a session the controls are disabled with the reason, and the API refuses with a message. */
export async function refusedWithoutSignIn(
  page: Page,
  baseUrl: string,
  name: string,
): Promise<void> {
  await expect(page.getByRole('button', { name: `Kill ${name}`, exact: true })).toBeDisabled();
  await expect(page.getByTestId('controls-disabled')).toContainText('need the admin token');
  const answer = await page.evaluate(async (url) => {
    const r = await fetch(`${url}/api/control/heal`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    return { status: r.status, body: (await r.json()) as { error?: { message?: string } } };
  }, baseUrl);
  expect(answer.status).toBe(401);
  expect(answer.body.error?.message).toMatch(/admin token/);
}
