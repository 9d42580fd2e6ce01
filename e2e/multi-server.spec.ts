/**
 * Several observatory servers behind one address: two `observatory server` processes with
 * OBSERVATORY_MULTI_SERVER=1 on one fresh PostgreSQL database, two node processes whose agents
 * report to server A, and Chromium on server B: it sees both nodes live and partitions them
 * (the commands go from B through PostgreSQL to A, which holds the agents).
 *
 * PostgreSQL comes from TEST_POSTGRES_URL, as for the storage tests (.ci/run sets it); without it
 * this test fails and says so, it never skips.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { test as base } from '@playwright/test';
import { LabNodes } from '../server/lab/nodes.ts';
import { freePort } from '../cluster/ports.ts';
import { expectAllUp, partitionAndHeal, signIn, snap } from './dashboard-steps.ts';
import { launchObservatory, type ObservatoryServer } from './fixtures/server.ts';

const AGENT_SECRET = 'e2e-multi-server-agent-secret';
const START_TIMEOUT_MS = 180_000;

interface Pair {
  readonly a: ObservatoryServer;
  readonly b: ObservatoryServer;
}

/** A new database on the TEST_POSTGRES_URL server, and how to drop it. */
async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const serverUrl = process.env.TEST_POSTGRES_URL;
  if (serverUrl === undefined || serverUrl === '') {
    throw new Error(
      'the multi-server e2e test needs PostgreSQL: set TEST_POSTGRES_URL (as .ci/run does), e.g. ' +
        'postgres://observatory_ci:observatory_ci@127.0.0.1:5432/observatory_ci',
    );
  }
  const name = `observatory_e2e_${randomBytes(6).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

const test = base.extend<object, { pair: Pair }>({
  pair: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const db = await freshDatabase();
      const env = {
        DATABASE_URL: db.url,
        OBSERVATORY_MULTI_SERVER: '1',
        OBSERVATORY_AGENT_TOKEN: AGENT_SECRET,
      };
      const stops: (() => Promise<void>)[] = [];
      try {
        const a = await launchObservatory(['server', '--port', '0'], env);
        stops.push(a.stop);
        const b = await launchObservatory(['server', '--port', '0'], env);
        stops.push(b.stop);
        const [p1, p2] = [await freePort(), await freePort()];
        const nodes = new LabNodes({
          nodes: [
            { name: 'n1', host: '127.0.0.1', port: p1 },
            { name: 'n2', host: '127.0.0.1', port: p2 },
          ],
          cookie: 'e2e-multi-server-cookie',
          observatoryUrl: a.server.url,
          agentToken: AGENT_SECRET,
          // a blackhole is detected after one ticktime
          ticktimeMs: 4_000,
        });
        stops.push(() => nodes.stop());
        await nodes.start();
        await use({ a: a.server, b: b.server });
      } finally {
        for (const stop of stops.reverse()) await stop();
        await db.drop();
      }
    },
    { scope: 'worker', timeout: START_TIMEOUT_MS },
  ],
});
const { expect } = test;

test('multi-server — a browser on server B sees the nodes reporting to server A live, and partitions them', async ({
  pair,
  page,
}, testInfo) => {
  test.setTimeout(150_000);
  await page.goto(pair.b.url);
  await expectAllUp(page, 2, 60_000);
  // B counts the agents that report to A
  await expect(page.getByTestId('summary')).toContainText('2 agents connected', {
    timeout: 10_000,
  });
  await snap(page, testInfo, 'multi-server-b-sees-a');
  await signIn(page, pair.b.adminToken);
  await partitionAndHeal(page, testInfo, ['n1'], ['n2'], 2);
  // Both commands went from B to A's agents: A logged each forwarded one.
  expect(pair.a.output()).toMatch(/partition for n1@127\.0\.0\.1 forwarded by server/);
  expect(pair.a.output()).toMatch(/heal for n\d@127\.0\.0\.1 forwarded by server/);
});
