/**
 * The lab's EPMD, from one factory: the distribution proxy's EPMD (server/beam/proxy/), which
 * answers every lookup with a proxy port, so the observatory counts each message on a link and
 * can cut or delay it; `proxy: false` gives the plain embedded EPMD-compatible registry.
 */
import { startEmbeddedEpmd } from '../../../cluster/erlang/index.ts';
import type { BeamProxy } from '../proxy/beam-proxy.ts';
import { startProxiedLabEpmd } from '../proxy/lab-epmd.ts';

export interface LabEpmd {
  /** the port every lab node gets as ERL_EPMD_PORT */
  readonly port: number;
  /** the distribution proxy every link of the lab goes through, when it runs */
  readonly proxy?: BeamProxy;
  close(): Promise<void>;
}

export interface LabEpmdOptions {
  /** default 127.0.0.1 */
  readonly host?: string;
  /** default 0: any free port */
  readonly port?: number;
  /** default true: links go through the distribution proxy */
  readonly proxy?: boolean;
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** Starts the lab's EPMD on loopback. */
export async function startLabEpmd(options: LabEpmdOptions = {}): Promise<LabEpmd> {
  if (options.proxy !== false)
    return startProxiedLabEpmd({
      ...(options.host !== undefined && { host: options.host }),
      ...(options.port !== undefined && { port: options.port }),
    });
  const epmd = await startEmbeddedEpmd({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    logger: quiet,
  });
  return { port: epmd.port, close: () => epmd.close() };
}
