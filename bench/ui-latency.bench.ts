/**
 * `npm run bench -- ui-latency`: how fast a node loss reaches a dashboard. Two real nodes with
 * agents stream to a real server; a `/ui` client watches. Each round SIGKILLs n2 and measures
 * (a) kill → the `/ui` model shows n2 down (the server sees the agent's socket close), and
 * (b) kill → n1's own `nodedown` event for n2 arrives on `/ui` (inside-node detection, sent by
 * n1's agent at once on the urgent path, ahead of its next snapshot). The target is ≤ 250 ms p95 for (b). Flags: --rounds n.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { UI_NAMESPACE, UI_SOCKET_IO_PATH } from '../protocol/constants.ts';
import type { ClusterModel, ModelEvent } from '../protocol/model.ts';
import { LabNodes } from '../server/lab/nodes.ts';
import { freePort } from '../cluster/ports.ts';
import { startServer } from '../server/start.ts';
import type { BenchContext, BenchRow } from './report.ts';

const p95 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(0.95 * (xs.length - 1))] ?? NaN;

export default async function uiLatencyBench(context: BenchContext): Promise<BenchRow[]> {
  const i = context.args.indexOf('--rounds');
  const rounds = i >= 0 ? Number(context.args[i + 1]) : context.quick ? 3 : 10;
  const dir = mkdtempSync(join(tmpdir(), 'observatory-ui-bench-'));
  const port = await freePort();
  const server = await startServer({
    port,
    databaseUrl: `file:${join(dir, 'bench.db')}`,
    adminToken: 'bench-admin-token-0000',
    agentToken: 'bench-agent-token',
    dashboard: false,
  });
  const nodes = new LabNodes({
    nodes: [
      { name: 'n1', host: '127.0.0.1', port: await freePort() },
      { name: 'n2', host: '127.0.0.1', port: await freePort() },
    ],
    cookie: 'bench-cookie',
    observatoryUrl: server.url,
    agentToken: 'bench-agent-token',
    ticktimeMs: 4_000,
  });
  const ui = io(`${server.url}${UI_NAMESPACE}`, {
    path: UI_SOCKET_IO_PATH,
    transports: ['websocket'],
  });
  let model: ClusterModel | undefined;
  const events: { at: number; e: ModelEvent }[] = [];
  ui.on('model', (m: ClusterModel) => (model = m));
  ui.on('events', (list: ModelEvent[]) => list.forEach((e) => events.push({ at: Date.now(), e })));
  const wait = async (check: () => boolean, ms: number) => {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const status = (name: string) => model?.nodes.find((n) => n.name === name)?.status;
  const linked = () => model?.links.some((l) => l.state === 'up') === true;
  const down: number[] = [];
  const nodedown: number[] = [];
  try {
    await nodes.start();
    for (let r = 0; r < rounds; r++) {
      await wait(
        () => status('n1@127.0.0.1') === 'up' && status('n2@127.0.0.1') === 'up' && linked(),
        30_000,
      );
      await new Promise((res) => setTimeout(res, 300 + Math.random() * 1000));
      const killedAt = Date.now();
      nodes.kill('n2@127.0.0.1');
      await wait(() => status('n2@127.0.0.1') === 'down', 10_000);
      down.push(Date.now() - killedAt);
      await wait(
        () =>
          events.some(
            (x) =>
              x.at >= killedAt &&
              x.e.node === 'n1@127.0.0.1' &&
              x.e.event.type === 'nodedown' &&
              'node' in x.e.event &&
              x.e.event.node === 'n2@127.0.0.1',
          ),
        10_000,
      );
      const seen = events.find((x) => x.at >= killedAt && x.e.event.type === 'nodedown')!;
      nodedown.push(seen.at - killedAt);
      context.log(
        `ui-latency: round ${r + 1}: down ${down.at(-1)} ms, nodedown event ${nodedown.at(-1)} ms`,
      );
      await nodes.restart('n2@127.0.0.1');
    }
  } finally {
    ui.disconnect();
    await nodes.stop();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return [
    {
      bench: 'ui-latency',
      metric: 'kill → /ui model shows down, p95',
      value: p95(down),
      unit: 'ms',
    },
    {
      bench: 'ui-latency',
      metric: 'nodedown in a node → /ui event, p95',
      value: p95(nodedown),
      unit: 'ms',
      target: '<= 250',
      pass: p95(nodedown) <= 250,
      note: 'membership events go out at once on the urgent path',
    },
  ];
}
