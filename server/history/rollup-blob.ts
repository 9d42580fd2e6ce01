/**
 * The packed rollup row: all the series of one node and one bucket in one blob, deflated JSON of
 * `[peer, channel, direction, count, bytes, sketch]` tuples. A full mesh of 100 nodes reports
 * 1,188 series per node; one row per series made each 10 s bucket 118,800 rows to write through
 * Prisma and the 1 min rollup 6× that to read back (docs/performance.md, "At scale").
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { FrameRow } from '../../protocol/telemetry.ts';
import type { TrafficRecord } from './aggregate.ts';

/** Bumped when the tuple layout changes; a blob of another version is refused, not misread. */
const BLOB_VERSION = 1;

type Tuple = [string, string, FrameRow['direction'], number, number, string];

export class RollupBlobError extends Error {
  readonly code = 'ROLLUP_BLOB_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'RollupBlobError';
  }
}

/** Packs records of one node and one bucket (their `node` and `t` are the row's, not stored). */
export function encodeRollupBlob(records: readonly TrafficRecord[]): Uint8Array<ArrayBuffer> {
  const tuples: Tuple[] = records.map((r) => [
    r.peer,
    r.channel,
    r.direction,
    r.count,
    r.bytes,
    r.sketch,
  ]);
  return new Uint8Array(
    deflateRawSync(JSON.stringify({ v: BLOB_VERSION, s: tuples }), { level: 1 }),
  );
}

/**
 * The records of a packed row.
 * @throws RollupBlobError when the blob does not decode or is of another version.
 */
export function decodeRollupBlob(node: string, t: number, data: Uint8Array): TrafficRecord[] {
  let parsed: { v?: unknown; s?: unknown };
  try {
    parsed = JSON.parse(inflateRawSync(data).toString('utf8')) as typeof parsed;
  } catch (error) {
    throw new RollupBlobError(`rollup of ${node} at ${t} does not decode: ${String(error)}`);
  }
  if (parsed.v !== BLOB_VERSION || !Array.isArray(parsed.s))
    throw new RollupBlobError(`rollup of ${node} at ${t} is not version ${BLOB_VERSION}`);
  return (parsed.s as Tuple[]).map(([peer, channel, direction, count, bytes, sketch]) => ({
    t,
    node,
    peer,
    channel,
    direction,
    count,
    bytes,
    sketch,
  }));
}

/** Groups rolled-up records (one bucket) into one packed row per node. */
export function packByNode(
  records: readonly TrafficRecord[],
  resolution: number,
  t: number,
): {
  resolution: number;
  node: string;
  t: number;
  series: number;
  data: Uint8Array<ArrayBuffer>;
}[] {
  const byNode = new Map<string, TrafficRecord[]>();
  for (const r of records) {
    let list = byNode.get(r.node);
    if (list === undefined) byNode.set(r.node, (list = []));
    list.push(r);
  }
  return [...byNode].map(([node, list]) => ({
    resolution,
    node,
    t,
    series: list.length,
    data: encodeRollupBlob(list),
  }));
}
