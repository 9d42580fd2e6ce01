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

  // A drill says plainly that it does not run on the nodes shown on the page.
  const scope = page.getByTestId('drills-scope');
  await expect(scope).toContainText('runs on its own throw-away cluster');
  await expect(scope).toContainText('never touches the lab nodes shown on this page');
  await page.getByRole('button', { name: 'Start split-brain drill' }).click();
  const drill = page.locator('[data-testid="drill"][data-kind="split-brain"]').first();
  await expect(drill).toHaveAttribute('data-status', 'passed', { timeout: 15_000 });
  await expect(drill).toContainText('passed');

  // A negative control: offered only with the drill it defeats, labelled as breaking the system.
  const controls = page.getByTestId('negative-controls');
  await controls.locator('summary').click();
  await expect(controls).toContainText('must fail');
  await expect(controls.getByRole('button')).toHaveText([
    'Start pause with no-store-fence (negative control, breaks the system)',
    'Start split-brain with no-lease (negative control, breaks the system)',
  ]);
  await controls
    .getByRole('button', { name: 'Start pause with no-store-fence (negative control' })
    .click();
  await expect(page.getByTestId('drill-message')).toContainText('it must fail');
  const control = page.locator('[data-testid="drill"][data-unsafe="no-store-fence"]').first();
  await expect(control).toHaveAttribute('data-kind', 'pause');
  await expect(control).toContainText('negative control: no-store-fence');
  await expect(control).toHaveAttribute('data-status', 'failed', { timeout: 15_000 });

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

test('dashboard (simulated) — latency between two nodes: confirmed with its time limit, listed as a fault in force', async ({
  fake,
  page,
}, testInfo) => {
  await page.goto(fake.url);
  await expectAllUp(page, 5);
  await signIn(page, fake.adminToken);
  await page.getByLabel('Fault time limit in seconds').fill('90');
  const form = page.getByRole('group', { name: 'Latency injection' });
  await form.getByLabel('Delay frames from node').selectOption({ label: 'n2' });
  await form.getByLabel('Delay frames to').selectOption({ label: 'n4' });
  await form.getByLabel('Delay (ms)').fill('250');
  await form.getByLabel('Jitter (ms)').fill('40');
  const sent = page.waitForRequest((r) => r.url().endsWith('/api/control/latency'));
  await page.getByRole('button', { name: 'Inject latency', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('Frames from n2 to n4 are delayed by 250 ± 40 ms.');
  await expect(dialog.getByTestId('confirm-limit')).toHaveText(
    'reverts by itself after 1 min 30 s',
  );
  await dialog.getByRole('button', { name: 'Inject latency', exact: true }).click();
  expect((await sent).postDataJSON()).toEqual({
    node: 'n2@127.0.0.1',
    peers: ['n4@127.0.0.1'],
    delayMs: 250,
    jitterMs: 40,
    ttlMs: 90_000,
  });
  await expect(page.getByTestId('control-message')).toContainText(
    /Inject latency: done, reverts by itself at \d\d:\d\d:\d\d/,
  );
  const fault = page.locator('[data-testid="fault"][data-kind="latency"]');
  await expect(fault).toHaveCount(1);
  await expect(fault).toContainText('latency on n2 → n4 (+250 ± 40 ms)');
  await expect(fault).toContainText(/reverts in 1 min [1-3]\d s/);
  await expect(page.getByTestId('event').filter({ hasText: 'n2: latency applied' })).toBeVisible();
  await snap(page, testInfo, 'latency');
  await confirmAction(page, 'Heal');
  await expect(page.getByTestId('faults')).toHaveText('No faults in force.');
});

test('dashboard (simulated) — a custom history range: the charts ask the store for it and draw it', async ({
  fake,
  page,
}, testInfo) => {
  await page.goto(fake.url);
  await expectAllUp(page, 5);
  // The last whole minute: the fake holds history from 120 s before it started.
  const to = Math.floor(Date.now() / 60_000) * 60_000;
  const from = to - 60_000;
  const picker = page.getByRole('region', { name: 'Time range' });
  await picker.getByRole('radio', { name: 'Custom' }).click();
  const local = (ms: number) =>
    page.evaluate((t) => {
      const d = new Date(t - new Date(t).getTimezoneOffset() * 60_000);
      return d.toISOString().slice(0, 16);
    }, ms);
  await picker.getByLabel('From').fill(await local(from));
  await picker.getByLabel('To').fill(await local(to));
  const asked = page.waitForRequest((r) => {
    const url = new URL(r.url());
    return (
      url.pathname === '/api/history' &&
      url.searchParams.get('from') === String(from) &&
      url.searchParams.get('to') === String(to)
    );
  });
  await picker.getByRole('button', { name: 'Apply range' }).click();
  await asked;
  await expect(picker.getByRole('radio', { name: 'Custom' })).toHaveAttribute(
    'aria-checked',
    'true',
  );
  const charts = page.getByTestId('traffic-charts').getByTestId('time-chart');
  await expect(charts).toHaveCount(2);
  for (const chart of await charts.all()) {
    await expect(chart).toHaveAttribute('data-from', String(from));
    await expect(chart).toHaveAttribute('data-to', String(to));
    // One bucket a second, all inside the range, from the store.
    await expect
      .poll(async () => Number(await chart.getAttribute('data-points')))
      .toBeGreaterThanOrEqual(55);
    expect(Number(await chart.getAttribute('data-points'))).toBeLessThanOrEqual(61);
    // The time axis runs from the range's start to its end.
    const labels = chart.locator('.recharts-cartesian-axis-tick-value');
    const time = (ms: number) =>
      page.evaluate(
        (t) =>
          new Intl.DateTimeFormat(undefined, {
            hour: '2-digit',
            minute: '2-digit',
            second: '2-digit',
            hour12: false,
          }).format(t),
        ms,
      );
    await expect(labels.filter({ hasText: await time(from) })).toHaveCount(1);
    await expect(labels.filter({ hasText: await time(to) })).toHaveCount(1);
  }
  await expect(page.getByTestId('traffic-charts')).toHaveAttribute('data-source', 'store');
  await snap(page, testInfo, 'custom-range');
});
