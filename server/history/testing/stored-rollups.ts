/**
 * The rollups a store holds, unpacked to one record per series as the per-series table held them
 * before rollups were packed, so tests keep asserting the same figures.
 */
import type { Db } from '../../store/client.ts';
import type { TrafficRecord } from '../aggregate.ts';
import { recordsOfRollups } from '../rollups.ts';

export async function storedRollups(db: Db, resolution: 10 | 60): Promise<TrafficRecord[]> {
  return recordsOfRollups(
    await db.rollupBucket.findMany({
      where: { resolution },
      select: { node: true, t: true, data: true },
      orderBy: [{ node: 'asc' }, { t: 'asc' }],
    }),
  );
}
