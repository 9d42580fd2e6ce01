/**
 * One drill at a time across every server on the store: a drill starts only under the drill
 * advisory lock, held on a connection of its own until the drill ends (or its server dies, which
 * releases it). Runs that a dead server left `running` are marked interrupted under the same
 * lock, since only then can no live server be running them.
 */
import { drillRequestSchema } from '../../protocol/http.ts';
import type { Drills } from '../drills/drills.ts';
import { ConflictError } from '../errors.ts';
import type { HeldLock } from './locks.ts';

export type DrillStarter = Pick<Drills, 'start' | 'recoverInterrupted' | 'idle'>;

/** `start` of {@link Drills}, cluster-wide; `tryLock` takes the drill lock or says it is held. */
export function clusterWideDrillStart(
  drills: DrillStarter,
  tryLock: () => Promise<HeldLock | undefined>,
  log: (line: string) => void = () => {},
): (body: unknown) => Promise<ReturnType<Drills['start']>> {
  return async (body) => {
    // a bad request is a 400 whoever runs a drill
    drillRequestSchema.parse(body);
    const held = await tryLock();
    if (held === undefined) {
      throw new ConflictError(
        'DRILL_RUNNING',
        'a drill is running on this or another observatory server; one drill at a time across the servers',
      );
    }
    try {
      await drills.recoverInterrupted();
      const record = drills.start(body);
      void drills
        .idle()
        .finally(() => held.release())
        .catch((error: unknown) => log(`drills: lock not released: ${String(error)}`));
      return record;
    } catch (error) {
      await held.release();
      throw error;
    }
  };
}
