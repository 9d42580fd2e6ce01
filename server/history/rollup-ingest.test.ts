/**
 * Issue #18: a rollup of a large backlog shares the event loop and the store with ingest; a
 * snapshot persisted while it runs must commit at once, not when the rollup is done. And
 * `flush()` must wait for a flush already under way, so a caller that flushed sees every write.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FrameRow } from '../../protocol/telemetry.ts';
import { frame, snapshot } from '../model/testing/fixtures.ts';
import { openDb, type Db } from '../store/client.ts';
import { migrate } from '../store/migrate.ts';
import { History } from './history.ts';
import { storedRollups } from './testing/stored-rollups.ts';

/** 2026-01-01T00:00:00Z, on a minute boundary */
const T0 = 1_767_225_600;
const NODES = 48;
const SECONDS = 20;

/** 16 peers × 6 channels: a node of a mid-sized mesh. */
function frames(node: number): FrameRow[] {
  const rows: FrameRow[] = [];
  for (let p = 0; p < 16; p++) {
    for (let c = 0; c < 6; c++)
      rows.push(frame(`p${p}`, `ch${c}`, 20, 64 + ((node + p * c) % 40) * 25));
  }
  return rows;
}

describe('history and ingest share the loop', () => {
  let dir: string;
  let db: Db;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'observatory-rollup-'));
    const url = `file:${join(dir, 'history.db')}`;
    await migrate(url);
    db = await openDb(url);
  });

  afterEach(async () => {
    await db.$disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('history — a snapshot persisted during the rollup of a large backlog commits before the rollup ends', async () => {
    const now = (T0 + SECONDS + 70) * 1000;
    const history = new History(db, { now: () => now, config: { flushIntervalMs: 5 } });
    for (let s = 0; s < SECONDS; s++) {
      const batch = Array.from({ length: NODES }, (_, n) =>
        snapshot(`n${n}`, s + 1, { t: T0 + s, frames: frames(n) }),
      );
      await history.persist(batch, now - 60_000);
    }

    let rolledAt = 0;
    let persistedAt = 0;
    const rollup = history.rollup(now).then((n) => {
      rolledAt = performance.now();
      return n;
    });
    const persisted = history
      .persist([snapshot('late', 1, { t: T0 + SECONDS + 60 })], now)
      .then(() => (persistedAt = performance.now()));
    const [rolled] = await Promise.all([rollup, persisted]);

    expect(rolled).toBe(NODES * 2 + NODES); // two 10 s buckets and one minute per node
    expect(persistedAt).toBeGreaterThan(0);
    expect(persistedAt).toBeLessThan(rolledAt);
    const rows = (await storedRollups(db, 10)).length;
    expect(rows).toBe(NODES * 2 * 16 * 6);
  });

  it('history — flush() resolves only after a flush already under way has committed', async () => {
    const history = new History(db, { config: { flushIntervalMs: 0 } });
    let committed = false;
    const first = history.persist([snapshot('a', 1)], Date.now()).then(() => (committed = true));
    // Let the timer start the first flush, then ask for a flush while it commits.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await history.flush();
    expect(committed).toBe(true);
    await first;
    expect(await db.rawSnapshot.count()).toBe(1);
  });
});
