/**
 * The server runs every timer and job on the clock it is given: with a simulated clock, an hour
 * of rollups and retention passes in a jump (what bench/ingest.bench.ts relies on).
 */
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { AGENT_NAMESPACE } from '../protocol/constants.ts';
import type { SnapshotAck } from '../protocol/agent.ts';
import { agentCredential } from './ingest/credentials.ts';
import { frame, snapshot } from './model/testing/fixtures.ts';
import { SimulatedClock } from './simulated-clock.ts';
import { startServer, type RunningServer } from './start.ts';
import { storedRollups } from './history/testing/stored-rollups.ts';
import { freshSqlite, type TestDatabase } from './store/testing/databases.ts';

const AGENT_TOKEN = 'agent-token-for-tests';
/** 2026-01-01T00:00:00Z, on a minute boundary */
const START_S = 1_767_225_600;
const NODE = 'a@127.0.0.1';

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('server on a simulated clock', () => {
  let server: RunningServer | undefined;
  let database: TestDatabase | undefined;
  let socket: Socket | undefined;

  afterEach(async () => {
    socket?.disconnect();
    await server?.close();
    await database?.drop();
    server = undefined;
    database = undefined;
    socket = undefined;
  });

  it('server on a simulated clock — rollups and retention run when the clock jumps, not in real time', async () => {
    const clock = new SimulatedClock({ startMs: START_S * 1000 });
    database = freshSqlite();
    server = await startServer({
      port: 0,
      databaseUrl: database.url,
      adminToken: 'admin-token-for-tests',
      agentToken: AGENT_TOKEN,
      dashboard: false,
      clock,
      // Periods no test waits out in real time: only a jump of the clock can run these jobs.
      history: { rollupEveryMs: 600_000, retentionEveryMs: 600_000 },
    });
    socket = io(`${server.url}${AGENT_NAMESPACE}`, {
      transports: ['websocket'],
      reconnection: false,
      auth: {
        token: agentCredential(AGENT_TOKEN, NODE),
        protocol: 1,
        node: NODE,
        bootId: 'boot-1',
        hidden: false,
        address: '127.0.0.1:9101',
        intervalMs: 1_000,
        capabilities: [],
        now: clock.now(),
      },
    });
    const agent = socket;
    await new Promise<void>((resolve) => agent.once('welcome', () => resolve()));
    const batch = Array.from({ length: 30 }, (_, i) =>
      snapshot(NODE, i + 1, {
        bootId: 'boot-1',
        t: START_S + i,
        frames: [frame('b@127.0.0.1', 'rpc', 10, 100)],
      }),
    );
    const ack = (await agent.timeout(20_000).emitWithAck('snapshots', batch)) as SnapshotAck;
    expect(ack).toMatchObject({ ok: true, ackedSeq: 30 });

    const db = server.context.db;
    const rollups = async (resolution: 10 | 60) => (await storedRollups(db, resolution)).length;
    expect(await rollups(10)).toBe(0);
    clock.advance(11 * 60_000);
    await until('10 s and 1 min rollups', async () => (await rollups(60)) > 0);
    expect(await rollups(10)).toBe(3);
    expect(await db.rawSnapshot.count()).toBe(30);

    clock.advance(2 * 3_600_000);
    await until('raw retention', async () => (await db.rawSnapshot.count()) === 0);
    // The 10 s rollups are kept for a day: still there.
    expect(await rollups(10)).toBe(3);
    expect(server.context.observatory.model.read().nodes.map((n) => n.name)).toContain(NODE);
  }, 120_000);
});
