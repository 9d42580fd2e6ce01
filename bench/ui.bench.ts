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

/** A long animation frame (LoAF API), summarised in the page: where its time went. */
interface FrameSummary {
  readonly duration: number;
  /** sum of the frame's script entries */
  readonly scriptMs: number;
  /** style recalculation and layout at the end of the frame */
  readonly styleLayoutMs: number;
  /** from the start of rendering (rAF callbacks, style, layout, paint) to the frame's end */
  readonly renderMs: number;
  /** forced (synchronous) style and layout inside scripts */
  readonly forcedLayoutMs: number;
  /** the longest script: what invoked it */
  readonly topScript: string;
}

declare global {
  interface Window {
    __frames: FrameSummary[];
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
      window.__frames = [];
      window.__fmp = null;
      window.__downAt = {};
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push(e.duration);
      }).observe({ type: 'longtask', buffered: true });
      // Reporting only: which part of a long frame was script, forced layout, style and layout.
      interface Script {
        duration: number;
        invoker: string;
        forcedStyleAndLayoutDuration: number;
      }
      interface Frame {
        startTime: number;
        duration: number;
        renderStart: number;
        styleAndLayoutStart: number;
        scripts: Script[];
      }
      new PerformanceObserver((list) => {
        for (const f of list.getEntries() as unknown as Frame[]) {
          const end = f.startTime + f.duration;
          const top = [...f.scripts].sort((a, b) => b.duration - a.duration)[0];
          window.__frames.push({
            duration: f.duration,
            scriptMs: f.scripts.reduce((sum, x) => sum + x.duration, 0),
            styleLayoutMs: f.styleAndLayoutStart > 0 ? end - f.styleAndLayoutStart : 0,
            renderMs: f.renderStart > 0 ? end - f.renderStart : 0,
            forcedLayoutMs: f.scripts.reduce((sum, x) => sum + x.forcedStyleAndLayoutDuration, 0),
            topScript: top === undefined ? '' : `${top.invoker} ${Math.round(top.duration)} ms`,
          });
        }
      }).observe({ type: 'long-animation-frame', buffered: true });
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
    await page.evaluate(() => {
      window.__longTasks = [];
      window.__frames = [];
    });

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
    const frames = await page.evaluate(() => window.__frames);
    const maxLong = longTasks.length === 0 ? 0 : Math.max(...longTasks);
    const p95 = percentile(latencies, 95);
    const worst = frames.reduce<FrameSummary | null>(
      (w, f) => (w === null || f.duration > w.duration ? f : w),
      null,
    );
    const ms = (v: number) => `${Math.round(v)} ms`;
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
        note: `${latencies.length} kills; server push included, agent ingest not; max ${ms(Math.max(...latencies))}`,
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
      {
        bench: 'ui',
        metric: 'longest animation frame while streaming',
        value: worst?.duration ?? 0,
        unit: 'ms',
        note:
          worst === null
            ? 'no frame over 50 ms'
            : `${frames.length} frames > 50 ms; longest: script ${ms(worst.scriptMs)} (top: ${worst.topScript}), forced layout ${ms(worst.forcedLayoutMs)}, rendering ${ms(worst.renderMs)} of which style+layout ${ms(worst.styleLayoutMs)}`,
      },
    ];
  } finally {
    await browser.close();
    await stop();
  }
}
