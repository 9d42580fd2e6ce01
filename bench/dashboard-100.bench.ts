/**
 * `npm run bench -- dashboard-100 [--nodes 100] [--seconds 30] [--fake]` (under
 * `flock /tmp/heavy-run.lock`; needs `npm run build`): the dashboard against a real lab,
 * `observatory start --nodes 100` (100 node processes with agents, the server, SQLite, the demo
 * workload), in Debian's Chromium. `--fake` uses the fake observatory instead (a simulated
 * cluster behind the real `/ui` contract; it pushes one model a second, a real lab up to ten).
 *
 * Figures: the lab's own start-up (all nodes started; full mesh after the last one started), then
 * over a window of `--seconds` with the page open: the main thread's busy share (Chromium's
 * `TaskDuration` from the DevTools Performance domain, over wall time), long tasks
 * (PerformanceObserver `longtask`), model pushes received and `/ui` bytes per second (WebSocket
 * frames as the browser received them), how often the shard map changed in the DOM (animation
 * frames with a shard mutation, per second: the highest second), and kill → the node shown down.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from '@playwright/test';
import { launchFake } from '../e2e/fixtures/launch-fake.ts';
import type { BenchContext, BenchRow } from './report.ts';

const CLI = fileURLToPath(new URL('../bin/observatory.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ADMIN_TOKEN = 'dashboard-100-bench-admin-token';
const LAB_TIMEOUT_MS = 600_000;
const BROWSER_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
];

function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

interface Lab {
  readonly url: string;
  readonly adminToken: string;
  /** seconds, from the launcher's progress lines; NaN for the fake */
  readonly startedS: number;
  readonly meshAfterLastS: number;
  stop(): Promise<void>;
}

/** `observatory start --nodes N` in its own process group; resolves when it says `Lab ready`. */
async function startLab(nodes: number, log: (line: string) => void): Promise<Lab> {
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-100-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI, 'start', '--nodes', String(nodes), '--port', '0'],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DATABASE_URL: `file:${join(dir, 'observatory.db')}`,
        OBSERVATORY_ADMIN_TOKEN: ADMIN_TOKEN,
        NEXT_TELEMETRY_DISABLED: '1',
      },
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    try {
      process.kill(-child.pid!, 'SIGINT');
    } catch {
      // gone
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, 20_000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  let output = '';
  let url = '';
  let startedS = NaN;
  let meshAfterLastS = NaN;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`lab not ready:\n${output.slice(-2000)}`)),
        LAB_TIMEOUT_MS,
      );
      const onLine = (chunk: Buffer) => {
        const text = chunk.toString();
        output += text;
        for (const line of text.split('\n')) {
          if (line.startsWith('Lab:')) log(`dashboard-100: ${line}`);
          const listening = /Observatory listening on (http:\/\/\S+)/.exec(line);
          if (listening) url = listening[1]!;
          const started = /Lab: (\d+)\/(\d+) nodes started \(([\d.]+) s\)/.exec(line);
          if (started && started[1] === started[2]) startedS = Number(started[3]);
          const mesh = /full mesh, .* ([\d.]+) s after the last node started/.exec(line);
          if (mesh) meshAfterLastS = Number(mesh[1]);
          if (line.includes('Lab ready')) {
            clearTimeout(timer);
            resolve();
          }
        }
      };
      child.stdout!.on('data', onLine);
      child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
      child.once('exit', (code) =>
        reject(new Error(`lab exited (${code}):\n${output.slice(-2000)}`)),
      );
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, adminToken: ADMIN_TOKEN, startedS, meshAfterLastS, stop };
}

async function startFake(nodes: number): Promise<Lab> {
  const { server, stop } = await launchFake(['--nodes', String(nodes), '--shards', '64']);
  return {
    url: server.url,
    adminToken: server.adminToken,
    startedS: NaN,
    meshAfterLastS: NaN,
    stop,
  };
}

declare global {
  interface Window {
    __longTasks: number[];
    /** animation-frame index → shard mutations seen in it, keyed by second */
    __shardFrames: Record<number, number>;
    __downAt: Record<string, number>;
  }
}

/** Installs the page-side probes before any script of the page runs. */
async function probes(page: Page): Promise<void> {
  await page.addInitScript(() => {
    window.__longTasks = [];
    window.__shardFrames = {};
    window.__downAt = {};
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
    // One count per animation frame in which the shard map changed: "updates per second".
    let frameMarked = false;
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target as Element;
        if (el.getAttribute?.('data-testid') === 'shard' || el.closest?.('[data-testid="shard"]')) {
          if (!frameMarked) {
            frameMarked = true;
            const second = Math.floor(performance.now() / 1000);
            window.__shardFrames[second] = (window.__shardFrames[second] ?? 0) + 1;
            requestAnimationFrame(() => (frameMarked = false));
          }
        }
        if (el.getAttribute?.('data-testid') === 'topology-node') {
          const name = el.getAttribute('data-node') ?? '';
          if (el.getAttribute('data-status') === 'down') window.__downAt[name] ??= Date.now();
        }
      }
    }).observe(document, { subtree: true, attributes: true, childList: true, characterData: true });
  });
}

export default async function dashboard100(ctx: BenchContext): Promise<BenchRow[]> {
  const nodes = Number(flag(ctx.args, 'nodes') ?? 100);
  const seconds = Number(flag(ctx.args, 'seconds') ?? (ctx.quick ? 10 : 30));
  const fake = ctx.args.includes('--fake');
  const source = fake ? 'fake observatory' : 'real lab';
  ctx.log(`dashboard-100: ${nodes} nodes, ${source}, ${seconds} s window`);
  const lab = fake ? await startFake(nodes) : await startLab(nodes, ctx.log);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: BROWSER_ARGS,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await probes(page);
    const frames = { model: 0, bytes: 0, counting: false };
    page.on('websocket', (ws) => {
      ws.on('framereceived', ({ payload }) => {
        if (!frames.counting) return;
        frames.bytes += typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
        if (typeof payload === 'string' && payload.startsWith('42/ui,["model"')) frames.model++;
      });
    });
    // socket.io may fall back to long polling: count those answers too.
    page.on('requestfinished', (request) => {
      if (!frames.counting || !request.url().includes('transport=polling')) return;
      void request.response().then(async (response) => {
        const body = (await response?.body().catch(() => null)) ?? null;
        if (body === null) return;
        frames.bytes += body.length;
        frames.model += body.toString().split('42/ui,["model"').length - 1;
      });
    });
    await page.goto(lab.url, { timeout: 180_000, waitUntil: 'domcontentloaded' });
    await page
      .waitForFunction(
        (n) =>
          document.querySelectorAll('[data-testid="topology-node"][data-status="up"]').length ===
            n &&
          document.querySelector('[data-testid="topology-canvas"]')?.getAttribute('data-drawn') !==
            null,
        nodes,
        { timeout: 120_000, polling: 500 },
      )
      .catch(async (error: unknown) => {
        // say what the page showed instead: nodes by status, and whether the canvas was drawn
        const shown = await page.evaluate(() => ({
          statuses: [...document.querySelectorAll('[data-testid="topology-node"]')].map((e) =>
            e.getAttribute('data-status'),
          ),
          drawn: document
            .querySelector('[data-testid="topology-canvas"]')
            ?.getAttribute('data-drawn'),
        }));
        const count: Record<string, number> = {};
        for (const s of shown.statuses) count[String(s)] = (count[String(s)] ?? 0) + 1;
        ctx.log(`dashboard-100: page shows ${JSON.stringify(count)}, canvas drawn: ${shown.drawn}`);
        throw error;
      });
    await page.waitForTimeout(3_000);
    // Style and layout grow with the page's elements: counted once the page has settled.
    const dom = await page.evaluate(() => ({
      elements: document.getElementsByTagName('*').length,
      buttons: document.getElementsByTagName('button').length,
    }));
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const taskSeconds = async () => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN;
    };
    await page.evaluate(() => {
      window.__longTasks = [];
      window.__shardFrames = {};
    });
    frames.counting = true;
    const task0 = await taskSeconds();
    const t0 = performance.now();

    // Halfway through, a node is killed and restarted, as a person would from the page.
    await page.waitForTimeout((seconds * 1000) / 2);
    const victim = `n${nodes}@127.0.0.1`;
    const post = (action: string) =>
      fetch(`${lab.url}/api/control/${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${lab.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ node: victim }),
      });
    const killedAt = Date.now();
    const killed = await post('kill');
    let killToDomMs = NaN;
    if (killed.ok) {
      await page
        .waitForFunction((n) => window.__downAt[n] !== undefined, victim, { timeout: 30_000 })
        .catch(() => undefined);
      const at = await page.evaluate((n) => window.__downAt[n] ?? NaN, victim);
      killToDomMs = at - killedAt;
      await post('restart');
    } else {
      ctx.log(`dashboard-100: kill refused: ${killed.status} ${await killed.text()}`);
    }
    const rest = seconds * 1000 - (performance.now() - t0);
    if (rest > 0) await page.waitForTimeout(rest);

    const wallS = (performance.now() - t0) / 1000;
    const busy = ((await taskSeconds()) - task0) / wallS;
    frames.counting = false;
    const longTasks = await page.evaluate(() => window.__longTasks);
    const shardPerSecond = Object.values(await page.evaluate(() => window.__shardFrames));
    const maxShardHz = shardPerSecond.length === 0 ? 0 : Math.max(...shardPerSecond);
    const modelHz = frames.model / wallS;
    const at = `${nodes} nodes, ${source}`;
    const rows: BenchRow[] = [];
    if (!fake) {
      rows.push(
        {
          bench: 'dashboard-100',
          metric: `lab: all ${nodes} nodes started`,
          value: lab.startedS,
          unit: 's',
        },
        {
          bench: 'dashboard-100',
          metric: `lab: full mesh after the last node started`,
          value: lab.meshAfterLastS,
          unit: 's',
        },
      );
    }
    rows.push(
      {
        bench: 'dashboard-100',
        metric: `main thread busy (TaskDuration / wall), ${at}`,
        value: busy * 100,
        unit: '%',
        target: '< 50',
        pass: busy < 0.5,
        note: `${wallS.toFixed(1)} s window with a kill and a restart`,
      },
      {
        bench: 'dashboard-100',
        metric: `DOM elements after load, ${at}`,
        value: dom.elements,
        unit: 'elements',
        note: `${dom.buttons} buttons`,
      },
      {
        bench: 'dashboard-100',
        metric: `long tasks (> 50 ms), ${at}`,
        value: longTasks.length,
        unit: 'tasks',
        note: `longest ${Math.round(Math.max(0, ...longTasks))} ms, ${Math.round(longTasks.reduce((s, d) => s + d, 0))} ms in all`,
      },
      {
        bench: 'dashboard-100',
        metric: `model pushes received, ${at}`,
        value: modelHz,
        unit: '/s',
        target: '<= 10',
        pass: modelHz <= 10,
      },
      {
        bench: 'dashboard-100',
        metric: `shard map DOM updates, busiest second, ${at}`,
        value: maxShardHz,
        unit: '/s',
        target: '<= 10',
        pass: maxShardHz <= 10,
      },
      {
        bench: 'dashboard-100',
        metric: `/ui bytes received, ${at}`,
        value: frames.bytes / wallS / 1024,
        unit: 'KiB/s',
      },
      {
        bench: 'dashboard-100',
        metric: `kill → node shown down, ${at}`,
        value: killToDomMs,
        unit: 'ms',
      },
    );
    return rows;
  } finally {
    await browser.close();
    await lab.stop();
  }
}
