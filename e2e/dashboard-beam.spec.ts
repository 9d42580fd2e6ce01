/**
 * The dashboard against a mixed lab: `observatory start --beam 3 --nodes 2` (three real `erl`
 * nodes watched over rex, two TypeScript nodes with agents) in Debian's Chromium. Needs
 * Erlang/OTP (`erl`, `erlc`).
 */
import { test as base, type Page } from '@playwright/test';
import { confirmAction, expectAllUp, signIn, snap } from './dashboard-steps.ts';
import { launchObservatory, type ObservatoryServer } from './fixtures/server.ts';

const TOTAL = 5;
const LAB_START_TIMEOUT_MS = 120_000;

const test = base.extend<object, { lab: ObservatoryServer }>({
  lab: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const { server, stop } = await launchObservatory([
        'start',
        '--beam',
        '3',
        '--nodes',
        '2',
        '--no-workload',
        '--port',
        '0',
      ]);
      try {
        const deadline = Date.now() + LAB_START_TIMEOUT_MS / 2;
        while (!server.output().includes('Lab ready')) {
          if (Date.now() > deadline)
            throw new Error(`lab not ready:\n${server.output().slice(-2_000)}`);
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        await use(server);
      } finally {
        await stop();
      }
    },
    { scope: 'worker', timeout: LAB_START_TIMEOUT_MS },
  ],
});
const { expect } = test;

const mark = (page: Page, name: string) =>
  page.locator(`[data-testid="topology-node"][data-node="${name}@127.0.0.1"]`);

test.describe.configure({ mode: 'serial' });

test('dashboard (BEAM lab) — the topology shows both kinds, BEAM nodes with their OTP release', async ({
  lab,
  page,
}, testInfo) => {
  await page.goto(lab.url);
  await expectAllUp(page, TOTAL, 60_000);
  await expect(page.locator('[data-testid="topology-node"][data-runtime="beam"]')).toHaveCount(3);
  await expect(page.locator('[data-testid="topology-node"][data-runtime="node"]')).toHaveCount(2);
  await expect(page.getByRole('img', { name: /^b1@127\.0\.0\.1: up, BEAM OTP \d+/ })).toBeVisible();
  await snap(page, testInfo, 'beam-lab-overview');
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
