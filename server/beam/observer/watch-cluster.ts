/**
 * `observatory server --beam-nodes a@h,b@h --beam-cookie-file F [--beam-epmd-hosts h1,h2]
 * [--beam-proxy-epmd PORT]`: watches a BEAM cluster the observatory did not start. Named nodes
 * are watched from the start; EPMD hosts are asked for their nodes now and every few seconds, so
 * later nodes join the view. With the proxy, the observatory's own EPMD (the distribution
 * proxy's) listens on PORT: nodes started with `ERL_EPMD_PORT=PORT` register there, so every
 * distribution connection between them goes through the proxy, which counts message sizes and
 * takes partition, latency and heal, as in the BEAM lab.
 */
import type { Ingest } from '../../ingest/ports.ts';
import { startBeamProxy, type BeamProxy } from '../proxy/beam-proxy.ts';
import { startBeamObserver, type BeamObserver } from './observer.ts';
import { BEAM_DISCOVERY_INTERVAL_MS, discoverBeamNodes } from './discover.ts';

/** Where the observatory's EPMD and distribution proxy listen for a watched cluster. */
export interface BeamWatchProxyOptions {
  /** the EPMD port the user's nodes get as ERL_EPMD_PORT (0: any free port) */
  readonly epmdPort: number;
  /** address of the EPMD and the proxy listeners; default 127.0.0.1 */
  readonly host?: string;
}

export interface BeamClusterWatchOptions {
  readonly nodes: readonly string[];
  readonly epmdHosts: readonly string[];
  /** read from an owner-only file by the CLI; never logged */
  readonly cookie: string;
  /** the cluster's EPMD port; default 4369 (ignored with `proxy`: the nodes use the proxy's) */
  readonly epmdPort?: number;
  /** put the observatory's EPMD and distribution proxy in front of the cluster */
  readonly proxy?: BeamWatchProxyOptions;
  /** host part of the observer's hidden node name; default 127.0.0.1 */
  readonly host?: string;
  readonly ingest: Pick<Ingest, 'attachLocal'>;
  readonly log?: (line: string) => void;
}

export interface BeamClusterWatch {
  readonly observer: BeamObserver;
  /** the distribution proxy in front of the cluster, when asked for */
  readonly proxy: BeamProxy | undefined;
  close(): Promise<void>;
}

export async function watchBeamCluster(
  options: BeamClusterWatchOptions,
): Promise<BeamClusterWatch> {
  const log = options.log ?? (() => {});
  const proxy =
    options.proxy === undefined
      ? undefined
      : await startBeamProxy({
          epmdPort: options.proxy.epmdPort,
          ...(options.proxy.host !== undefined && { host: options.proxy.host }),
        });
  // With the proxy the nodes are registered with its EPMD, and the observer's own connections
  // go through the proxy too (so rex polls are counted like any other traffic).
  const epmdPort = proxy?.epmdPort ?? options.epmdPort ?? 4369;
  let observer: BeamObserver;
  try {
    observer = await startBeamObserver({
      nodes: options.nodes,
      cookie: options.cookie,
      ingest: options.ingest,
      epmdPort,
      ...(options.host !== undefined && { host: options.host }),
      ...(proxy !== undefined && { traffic: (node: string) => proxy.traffic(node) }),
      log,
    });
  } catch (error) {
    await proxy?.close();
    throw error;
  }
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
    proxy,
    async close() {
      closed = true;
      clearTimeout(timer);
      await observer.close();
      await proxy?.close();
    },
  };
}
