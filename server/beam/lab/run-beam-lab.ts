/**
 * The BEAM half of `observatory start --beam N`: the lab's `erl` nodes and the observer that
 * watches them for the server's model, started together and stopped in order (observer first,
 * so no poll races the nodes' shutdown).
 */
import type { Ingest } from '../../ingest/ports.ts';
import { BEAM_LAB_HOST, BEAM_LAB_TICKTIME_S } from '../constants.ts';
import { startBeamObserver, type BeamObserver } from '../observer/observer.ts';
import type { BeamTraffic } from '../observer/snapshot.ts';
import { BeamLab, type BeamLabOptions } from './beam-lab.ts';

export interface RunningBeamLab {
  readonly lab: BeamLab;
  readonly observer: BeamObserver;
  stop(): Promise<void>;
}

export interface BeamLabRunOptions extends BeamLabOptions {
  readonly ingest: Pick<Ingest, 'attachLocal'>;
  /** per-link traffic from the distribution proxy, when it runs */
  readonly traffic?: (node: string) => BeamTraffic | undefined;
  /** observer poll interval, ms; default 1 s */
  readonly intervalMs?: number;
}

/** Starts the nodes, then the observer; on a failed start, stops what did start. */
export async function runBeamLab(options: BeamLabRunOptions): Promise<RunningBeamLab> {
  const lab = new BeamLab(options);
  try {
    await lab.start();
  } catch (error) {
    await lab.stop();
    throw error;
  }
  let observer: BeamObserver;
  try {
    observer = await startBeamObserver({
      nodes: lab.names(),
      cookie: lab.cookie,
      ingest: options.ingest,
      epmdPort: lab.epmdPort,
      host: BEAM_LAB_HOST,
      ticktimeMs: (options.ticktimeS ?? BEAM_LAB_TICKTIME_S) * 1000,
      labKill: (node) => lab.kill(node),
      traffic: options.traffic ?? ((node) => lab.proxy?.traffic(node)),
      ...(options.intervalMs !== undefined && { intervalMs: options.intervalMs }),
      ...(options.log !== undefined && { log: options.log }),
    });
  } catch (error) {
    await lab.stop();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    lab,
    observer,
    stop() {
      stopping ??= (async () => {
        await observer.close();
        await lab.stop();
      })();
      return stopping;
    },
  };
}
