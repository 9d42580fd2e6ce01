/**
 * `npm run bench -- ui [--quick]`: the dashboard with 32 nodes and 64 shards (the fake observatory:
 * the real dashboard build and `/ui` contract over a simulated cluster) in Debian's Chromium.
 * Measures first meaningful paint (every topology node drawn), event → DOM latency (a kill made at
 * the server until the node shows down in the page, same clock), and main-thread long tasks while
 * updates stream. Needs `npm run build` first.
 */
import { chromium } from '@playwright/test';
import { launchFake } from '../e2e/fixtures/launch-fake.ts';
import type { BenchContext, BenchRow } from './report.ts';

const NODES = 32;
const SHARDS = 64;
const BROWSER_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
];

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

declare global {
  interface Window {
    __longTasks: number[];
    __fmp: number | null;
    __downAt: Record<string, number>;
  }
}

export default async function ui(ctx: BenchContext): Promise<BenchRow[]> {
  const rounds = ctx.quick ? 4 : 20;
  const streamMs = ctx.quick ? 5_000 : 20_000;
  const { server, stop } = await launchFake([
    '--nodes',
    String(NODES),
    '--shards',
    String(SHARDS),
    '--backfill',
    '300',
  ]);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: BROWSER_ARGS,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.addInitScript((nodes: number) => {
      window.__longTasks = [];
      window.__fmp = null;
      window.__downAt = {};
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push(e.duration);
      }).observe({ type: 'longtask', buffered: true });
      // Record when each node first shows down, and when the whole topology is first drawn.
      new MutationObserver(() => {
        const drawn = document.querySelectorAll('[data-testid="topology-node"]');
        if (window.__fmp === null && drawn.length >= nodes) window.__fmp = performance.now();
        for (const el of document.querySelectorAll(
          '[data-testid="topology-node"][data-status="down"]',
        )) {
          const name = el.getAttribute('data-node') ?? '';
          window.__downAt[name] ??= Date.now();
        }
      }).observe(document, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ['data-status'],
      });
    }, NODES);

    ctx.log(`ui: loading ${server.url} (${NODES} nodes, ${SHARDS} shards)`);
    await page.goto(server.url);
    await page.waitForFunction(() => window.__fmp !== null, undefined, { timeout: 30_000 });
    const fmp = await page.evaluate(() => window.__fmp ?? NaN);
    await page.waitForTimeout(2_000);
    await page.evaluate(() => (window.__longTasks = []));

    const post = (action: string, node: string) =>
      fetch(`${server.url}/api/control/${action}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${server.adminToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ node }),
      });
    const latencies: number[] = [];
    const started = Date.now();
    for (let i = 0; i < rounds; i++) {
      const node = `n${(i % NODES) + 1}@127.0.0.1`;
      const sent = Date.now();
      const res = await post('kill', node);
      if (!res.ok) throw new Error(`kill ${node}: ${res.status} ${await res.text()}`);
      await page.waitForFunction((n) => window.__downAt[n] !== undefined, node, {
        timeout: 10_000,
      });
      const at = await page.evaluate((n) => window.__downAt[n]!, node);
      latencies.push(at - sent);
      await post('restart', node);
      await page.evaluate((n) => delete window.__downAt[n], node);
      await page.waitForTimeout(300);
    }
    const remaining = streamMs - (Date.now() - started);
    if (remaining > 0) await page.waitForTimeout(remaining);
    const longTasks = await page.evaluate(() => window.__longTasks);
    const maxLong = longTasks.length === 0 ? 0 : Math.max(...longTasks);
    const p95 = percentile(latencies, 95);
    return [
      {
        bench: 'ui',
        metric: 'first meaningful paint (32 nodes drawn)',
        value: fmp,
        unit: 'ms',
        target: '≤ 1500 ms',
        pass: fmp <= 1_500,
      },
      {
        bench: 'ui',
        metric: 'event → DOM p50',
        value: percentile(latencies, 50),
        unit: 'ms',
        note: `${latencies.length} kills; server push included, agent ingest not`,
      },
      {
        bench: 'ui',
        metric: 'event → DOM p95',
        value: p95,
        unit: 'ms',
        target: '≤ 300 ms',
        pass: p95 <= 300,
      },
      {
        bench: 'ui',
        metric: 'longest main-thread task while streaming',
        value: maxLong,
        unit: 'ms',
        target: '≤ 200 ms',
        pass: maxLong <= 200,
        note: `${longTasks.length} long tasks (> 50 ms), ${longTasks.filter((d) => d > 200).length} over 200 ms`,
      },
    ];
  } finally {
    await browser.close();
    await stop();
  }
}
