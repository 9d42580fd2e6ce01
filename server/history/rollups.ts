/**
 * The rollup job: raw snapshots → 10 s and 1 min traffic rollups, computed from the raw rows of
 * each whole bucket (so a late snapshot re-rolls its bucket instead of being lost), and the
 * retention job that deletes what is past its time.
 */
import type { FrameRow } from '../../protocol/telemetry.ts';
import type { Db } from '../store/client.ts';
import { rollUp, type TrafficRecord } from './aggregate.ts';
import { readSnapshotData } from './writer.ts';
import { decodeRollupBlob, packByNode, RollupBlobError } from './rollup-blob.ts';
import type { HistoryConfig } from './config.ts';

export const ROLLUP_RESOLUTIONS_S = [10, 60] as const;
export type RollupResolution = (typeof ROLLUP_RESOLUTIONS_S)[number];

interface RawRow {
  node: string;
  t: number;
  data: Uint8Array;
}

/** The traffic records of raw rows (frames of every direction). */
export function recordsOfRaw(rows: readonly RawRow[]): TrafficRecord[] {
  const out: TrafficRecord[] = [];
  for (const row of rows) {
    let frames: FrameRow[];
    try {
      frames = readSnapshotData(row.data).frames;
    } catch {
      continue;
    }
    for (const f of frames) {
      out.push({
        t: row.t,
        node: row.node,
        peer: f.peer,
        channel: f.channel,
        direction: f.direction,
        count: f.count,
        bytes: f.bytes,
        sketch: f.sketch,
      });
    }
  }
  return out;
}

/** The traffic records of packed rollup rows; a row that does not decode is skipped, as raw ones are. */
export function recordsOfRollups(
  rows: readonly { node: string; t: number; data: Uint8Array }[],
): TrafficRecord[] {
  const out: TrafficRecord[] = [];
  for (const row of rows) {
    try {
      for (const r of decodeRollupBlob(row.node, row.t, row.data)) out.push(r);
    } catch (error) {
      if (!(error instanceof RollupBlobError)) throw error;
    }
  }
  return out;
}

/** Bucket keys rolled per job run and resolution, so one run stays short after a long outage. */
const MAX_BUCKETS = 5_000;
/** Rows written in the last moments may still be mid-flush; they are rolled on the next run. */
const SETTLE_MS = 2_000;
/**
 * Nodes rolled per slice: each slice reads, merges and writes the rows of this many nodes of one
 * bucket in its own transaction, then gives the event loop back. Ingest shares the loop and the
 * store, so a rollup must never hold them for long: with 100 nodes of 32 peers × 6 channels, one
 * whole 10 s bucket in one go held them for tens of seconds, and snapshots that arrived
 * meanwhile were neither committed nor acknowledged (issue #18). At that size a slice of 8 nodes
 * is ~30k records, tens of milliseconds of merging.
 */
export const ROLLUP_SLICE_NODES = 8;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Pending (node, bucket) pairs of `resolution` (whole buckets only), as slices to roll. */
function sliceBuckets(
  pending: readonly { node: string; t: number }[],
  resolution: number,
): { t: number; nodes: string[] }[] {
  const groups = new Map<number, Set<string>>();
  let n = 0;
  for (const p of pending) {
    const t = Math.floor(p.t / resolution) * resolution;
    const nodes = groups.get(t) ?? new Set<string>();
    if (!nodes.has(p.node)) {
      if (++n > MAX_BUCKETS) break;
      nodes.add(p.node);
    }
    groups.set(t, nodes);
  }
  const slices: { t: number; nodes: string[] }[] = [];
  for (const [t, set] of groups) {
    const nodes = [...set];
    for (let i = 0; i < nodes.length; i += ROLLUP_SLICE_NODES) {
      slices.push({ t, nodes: nodes.slice(i, i + ROLLUP_SLICE_NODES) });
    }
  }
  return slices;
}

/**
 * Rolls each slice (read its source rows, merge, replace its rollups and mark its raw rows, in
 * one transaction per slice), yielding to the event loop between slices. A slice is atomic: a
 * failure or a stop between slices leaves every (node, bucket) either rolled or pending.
 */
async function rollSlices(
  db: Db,
  resolution: RollupResolution,
  slices: readonly { t: number; nodes: string[] }[],
  read: (t: number, nodes: string[]) => Promise<TrafficRecord[]>,
  markRaw: (t: number, nodes: string[]) => ReturnType<Db['rawSnapshot']['updateMany']>,
): Promise<number> {
  let count = 0;
  for (const { t, nodes } of slices) {
    const rows = packByNode(rollUp(await read(t, nodes), resolution), resolution, t);
    await db.$transaction([
      db.rollupBucket.deleteMany({ where: { resolution, t, node: { in: nodes } } }),
      db.rollupBucket.createMany({ data: rows }),
      markRaw(t, nodes),
    ]);
    count += nodes.length;
    await yieldToLoop();
  }
  return count;
}

/**
 * 10 s rollups from raw rows: every bucket with raw rows not yet rolled that ended at least
 * `graceMs` before `nowMs` is recomputed from all its raw rows (so late rows are merged, never
 * lost). Returns the number of (node, bucket) pairs written.
 */
export async function runRollup10(db: Db, nowMs: number, graceMs: number): Promise<number> {
  const resolution = 10;
  const limitT = Math.floor((nowMs - graceMs) / 1000 / resolution) * resolution;
  const pending = await db.rawSnapshot.findMany({
    where: { rolled10: false, t: { lt: limitT } },
    select: { node: true, t: true },
    orderBy: [{ t: 'asc' }],
    take: MAX_BUCKETS * resolution,
  });
  const settled = new Date(nowMs - SETTLE_MS);
  return rollSlices(
    db,
    resolution,
    sliceBuckets(pending, resolution),
    async (t, nodes) =>
      recordsOfRaw(
        await db.rawSnapshot.findMany({
          where: { t: { gte: t, lt: t + resolution }, node: { in: nodes } },
          select: { node: true, t: true, data: true },
        }),
      ),
    (t, nodes) =>
      db.rawSnapshot.updateMany({
        where: {
          t: { gte: t, lt: t + resolution },
          node: { in: nodes },
          rolled10: false,
          receivedAt: { lt: settled },
        },
        data: { rolled10: true },
      }),
  );
}

/**
 * 1 min rollups from the 10 s rollups (sketch merges are exact, so this equals rolling up the
 * raw rows), for minutes whose raw rows are all in 10 s rollups already.
 */
export async function runRollup60(db: Db, nowMs: number, graceMs: number): Promise<number> {
  const resolution = 60;
  const limitT = Math.floor((nowMs - graceMs) / 1000 / resolution) * resolution;
  const pending = await db.rawSnapshot.findMany({
    where: { rolled60: false, rolled10: true, t: { lt: limitT } },
    select: { node: true, t: true },
    orderBy: [{ t: 'asc' }],
    take: MAX_BUCKETS * resolution,
  });
  return rollSlices(
    db,
    resolution,
    sliceBuckets(pending, resolution),
    async (t, nodes) =>
      recordsOfRollups(
        await db.rollupBucket.findMany({
          where: { resolution: 10, t: { gte: t, lt: t + resolution }, node: { in: nodes } },
          select: { node: true, t: true, data: true },
        }),
      ),
    (t, nodes) =>
      db.rawSnapshot.updateMany({
        where: {
          t: { gte: t, lt: t + resolution },
          node: { in: nodes },
          rolled10: true,
          rolled60: false,
        },
        data: { rolled60: true },
      }),
  );
}

/** Deletes rows past their retention. Returns how many rows of each kind went. */
export async function runRetention(
  db: Db,
  nowMs: number,
  config: Pick<
    HistoryConfig,
    'rawRetentionMs' | 'rollup10RetentionMs' | 'rollup60RetentionMs' | 'eventRetentionMs'
  >,
): Promise<{ raw: number; rollup10: number; rollup60: number; events: number; audit: number }> {
  const s = (ms: number) => Math.floor((nowMs - ms) / 1000);
  // Raw rows are about to go: make sure each boot's cursor remembers their highest seq first.
  const leaving = await db.rawSnapshot.groupBy({
    by: ['node', 'bootId'],
    where: { t: { lt: s(config.rawRetentionMs) } },
    _max: { seq: true },
  });
  for (const g of leaving) {
    const seq = g._max.seq ?? 0;
    const where = { node_bootId: { node: g.node, bootId: g.bootId } };
    const cursor = await db.agentCursor.findUnique({ where });
    if (cursor !== null && cursor.seq >= seq) continue;
    await db.agentCursor.upsert({
      where,
      create: { node: g.node, bootId: g.bootId, seq, updatedAt: new Date(nowMs) },
      update: { seq, updatedAt: new Date(nowMs) },
    });
  }
  const [raw, rollup10, rollup60, events, audit] = await db.$transaction([
    db.rawSnapshot.deleteMany({ where: { t: { lt: s(config.rawRetentionMs) } } }),
    db.rollupBucket.deleteMany({
      where: { resolution: 10, t: { lt: s(config.rollup10RetentionMs) } },
    }),
    db.rollupBucket.deleteMany({
      where: { resolution: 60, t: { lt: s(config.rollup60RetentionMs) } },
    }),
    db.event.deleteMany({ where: { at: { lt: new Date(nowMs - config.eventRetentionMs) } } }),
    db.controlAudit.deleteMany({
      where: { at: { lt: new Date(nowMs - config.eventRetentionMs) } },
    }),
  ]);
  // Cursors of boots that sent nothing for as long as events are kept are of no use any more.
  await db.agentCursor.deleteMany({
    where: { updatedAt: { lt: new Date(nowMs - config.eventRetentionMs) } },
  });
  return {
    raw: raw.count,
    rollup10: rollup10.count,
    rollup60: rollup60.count,
    events: events.count,
    audit: audit.count,
  };
}
