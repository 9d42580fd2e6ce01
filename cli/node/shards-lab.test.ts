import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode } from '../../cluster/api.ts';
import { startNode } from '../../cluster/index.ts';
import { startShards, type Shards } from '../../cluster/shards/index.ts';
import { attachLab, type Lab } from './shards-lab.ts';

/** One real shard node and a hidden controller over real sockets; a real SQLite file. */
const COOKIE = 'lab-test';
let dir = '';
let open: { node: ClusterNode; shards?: Shards; lab?: Lab }[] = [];

afterEach(async () => {
  for (const o of open) {
    await o.lab?.stop();
    await o.shards?.stop();
    await o.node.close();
  }
  open = [];
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function setup(handlers: boolean) {
  dir = mkdtempSync(join(tmpdir(), 'lab-test-'));
  const node = await startNode({ name: 'a', cookie: COOKIE });
  const shards = startShards(node, {
    members: [node.name],
    store: `file:${join(dir, 'l.db')}`,
    shardCount: 8,
    leaseMs: 1_200,
    driftMarginMs: 200,
    renewIntervalMs: 300,
    grantorQuarantineMs: 0,
  });
  const outcomeLog = join(dir, 'out.jsonl');
  const lab = attachLab(node, shards, { handlers, outcomeLog });
  open.push({ node, shards, lab });
  const ctl = await startNode({ name: 'ctl', cookie: COOKIE, hidden: true });
  open.push({ node: ctl });
  await ctl.connect(`${node.name}:${node.address.port}`);
  return { node, ctl, lab, outcomeLog };
}

const code = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => 'resolved',
    (err: unknown) => (err as { message?: string }).message,
  );

describe('cli/node/shards-lab — lab handlers', () => {
  it('cli/node/shards-lab — without --lab no lab handler answers', async () => {
    const { node, ctl } = await setup(false);
    await expect(ctl.call(node.name, 'lab.status', null)).rejects.toMatchObject({
      code: 'no_such_handler',
    });
  });

  it('cli/node/shards-lab — workload start/stop counts every outcome and logs it', async () => {
    const { node, ctl, outcomeLog } = await setup(true);
    const deadline = Date.now() + 5_000;
    for (;;) {
      const s = (await ctl.call(node.name, 'lab.status', null)) as { held: unknown[] };
      if (s.held.length === 8) break;
      if (Date.now() > deadline) throw new Error('shards not held');
      await new Promise((r) => setTimeout(r, 50));
    }
    await ctl.call(node.name, 'lab.workload.start', { rate: 200, keys: 10 });
    expect(await code(ctl.call(node.name, 'lab.workload.start', { rate: 200 }))).toMatch(
      /already running/,
    );
    await new Promise((r) => setTimeout(r, 300));
    const counts = (await ctl.call(node.name, 'lab.workload.stop', null)) as {
      attempted: number;
      acked: number;
      running: boolean;
    };
    expect(counts.running).toBe(false);
    expect(counts.attempted).toBeGreaterThan(0);
    expect(counts.acked).toBe(counts.attempted);
    const lines = readFileSync(outcomeLog, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(counts.attempted);
  });

  it('cli/node/shards-lab — bad arguments are refused with a clear message', async () => {
    const { node, ctl } = await setup(true);
    expect(await code(ctl.call(node.name, 'lab.workload.start', { rate: 0 }))).toMatch(
      /rate must be an integer/,
    );
    expect(
      await code(ctl.call(node.name, 'lab.workload.start', { rate: 5, distribution: 'pareto' })),
    ).toMatch(/distribution/);
    expect(await code(ctl.call(node.name, 'lab.partition', { peers: 'b@h' }))).toMatch(
      /peers must be a list/,
    );
  });

  it('cli/node/shards-lab — partition blackholes the peers, heal clears every fault', async () => {
    const { node, ctl } = await setup(true);
    const r = (await ctl.call(node.name, 'lab.partition', { peers: ['x@127.0.0.1'] })) as {
      blackholed: string[];
    };
    expect(r.blackholed).toEqual(['x@127.0.0.1']);
    expect(node.faults.list().blackholed).toEqual(['x@127.0.0.1']);
    await ctl.call(node.name, 'lab.heal', { connect: [] });
    expect(node.faults.list().blackholed).toEqual([]);
  });
});
