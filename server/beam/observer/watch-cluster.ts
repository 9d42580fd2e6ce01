/**
 * `observatory server --beam-nodes a@h,b@h --beam-cookie-file F [--beam-epmd-hosts h1,h2]`:
 * watches a BEAM cluster the observatory did not start. Named nodes are watched from the start;
 * EPMD hosts are asked for their nodes now and every few seconds, so later nodes join the view.
 */
import type { Ingest } from '../../ingest/ingest.ts';
import { startBeamObserver, type BeamObserver } from './observer.ts';
import { BEAM_DISCOVERY_INTERVAL_MS, discoverBeamNodes } from './discover.ts';

export interface BeamClusterWatchOptions {
  readonly nodes: readonly string[];
  readonly epmdHosts: readonly string[];
  /** read from an owner-only file by the CLI; never logged */
  readonly cookie: string;
  /** default 4369 */
  readonly epmdPort?: number;
  /** host part of the observer's hidden node name; default 127.0.0.1 */
  readonly host?: string;
  readonly ingest: Pick<Ingest, 'attachLocal'>;
  readonly log?: (line: string) => void;
}

export interface BeamClusterWatch {
  readonly observer: BeamObserver;
  close(): Promise<void>;
}

export async function watchBeamCluster(
  options: BeamClusterWatchOptions,
): Promise<BeamClusterWatch> {
  const epmdPort = options.epmdPort ?? 4369;
  const log = options.log ?? (() => {});
  const observer = await startBeamObserver({
    nodes: options.nodes,
    cookie: options.cookie,
    ingest: options.ingest,
    epmdPort,
    ...(options.host !== undefined && { host: options.host }),
    log,
  });
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  if (options.epmdHosts.length > 0) {
    const discover = async () => {
      for (const node of await discoverBeamNodes(options.epmdHosts, epmdPort, log)) {
        if (!observer.watched().includes(node)) log(`beam: found ${node} through EPMD`);
        observer.add(node);
      }
      if (!closed) {
        timer = setTimeout(() => void discover(), BEAM_DISCOVERY_INTERVAL_MS);
        timer.unref();
      }
    };
    await discover();
  }
  return {
    observer,
    async close() {
      closed = true;
      clearTimeout(timer);
      await observer.close();
    },
  };
}
