/**
 * The dashboard against the fake observatory (a simulated 5-node cluster behind the real `/ui`
 * contract and API shapes): every panel and every control, as a person uses them.
 */
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
import { expect, test } from './fixtures/fake.ts';

test.describe.configure({ mode: 'serial' });

test('dashboard (simulated) — all nodes up, shards coloured, link details on click', async ({
  fake,
  page,
}, testInfo) => {
  await page.goto(fake.url);
  await expectAllUp(page, 5);
  await expect(page.getByTestId('shard')).toHaveCount(32);
  await expect(page.getByRole('img', { name: /^n1@127\.0\.0\.1: up/ })).toBeVisible();
  await page.getByRole('button', { name: /^Link n1–n2/ }).click();
  const details = page.getByTestId('link-details');
  await expect(details).toContainText('Link n1 ↔ n2');
  await expect(details.getByRole('row', { name: /rpc/ }).first()).toBeVisible();
  await snap(page, testInfo, 'overview');
});

test('dashboard (simulated) — a control without sign-in is refused with a message', async ({
  fake,
  page,
}) => {
  await page.goto(fake.url);
  await expectAllUp(page, 5);
  await refusedWithoutSignIn(page, fake.url, 'n1');
});

test('dashboard (simulated) — kill and restart, partition and heal, drill, reload keeps history', async ({
  fake,
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  await page.goto(fake.url);
  await expectAllUp(page, 5);
  await signIn(page, fake.adminToken);
  await killAndRestart(page, testInfo, 'n2', 5);
  await partitionAndHeal(page, testInfo, ['n1', 'n2'], ['n3', 'n4', 'n5'], 5);

  await page.getByRole('button', { name: 'Start split-brain drill' }).click();
  const drill = page.locator('[data-testid="drill"][data-kind="split-brain"]').first();
  await expect(drill).toHaveAttribute('data-status', 'passed', { timeout: 15_000 });
  await expect(drill).toContainText('passed');

  await reloadKeepsHistory(page, testInfo, 60);
  // The session survives the reload (httpOnly cookie), and the controls are live again.
  await expect(page.getByText('Signed in as admin')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Kill n1', exact: true })).toBeEnabled();
  await confirmAction(page, 'Heal');
  await expect(page.getByTestId('control-message')).toContainText('Heal: done');
});

test('dashboard (simulated) — an expired session makes a control fail with a message', async ({
  fake,
  page,
  context,
}) => {
  await page.goto(fake.url);
  await expectAllUp(page, 5);
  await signIn(page, fake.adminToken);
  await context.clearCookies();
  await confirmAction(page, 'Heal');
  await expect(page.getByTestId('control-message')).toContainText(/Refused: .*admin token/);
  await expect(page.getByTestId('controls-disabled')).toBeVisible();
});
