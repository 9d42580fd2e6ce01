import { healthSchema } from '../protocol/http.ts';
import { expect, test } from './fixtures/server.ts';

test('dashboard — shows the server status pushed live over /ui', async ({
  observatory,
  page,
}, testInfo) => {
  await page.goto(observatory.url);
  await expect(page.getByRole('heading', { name: 'Cluster Observatory' })).toBeVisible();

  const uptime = page.getByTestId('uptime');
  await expect(uptime).toHaveText(/^\d+ (s|min|h)/);
  const first = await uptime.textContent();
  // Pushed every second: the text must change without a reload.
  await expect(uptime).not.toHaveText(first ?? '', { timeout: 5_000 });
  await expect(page.getByTestId('agents')).toHaveText('0');
  await expect(page.getByText(/Disconnected from the observatory server/)).toHaveCount(0);

  await testInfo.attach('dashboard', {
    body: await page.screenshot({ fullPage: true }),
    contentType: 'image/png',
  });
});

test('dashboard — /api/health answers next to the page on the same port', async ({
  observatory,
  request,
}) => {
  const response = await request.get(`${observatory.url}/api/health`);
  expect(response.status()).toBe(200);
  expect(healthSchema.parse(await response.json())).toMatchObject({
    status: 'ok',
    database: { provider: 'sqlite', ok: true },
  });
});

test('dashboard — the first load logs no console error and requests nothing that fails', async ({
  observatory,
  page,
}) => {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(observatory.url);
  await expect(page.getByTestId('uptime')).toHaveText(/^\d+ (s|min|h)/);
  // Late requests (icons, the socket.io upgrade) settle within a moment of the first push.
  await page.waitForLoadState('networkidle');
  expect(problems).toEqual([]);
});
