/**
 * The lab's EPMD, from one factory: today the embedded EPMD-compatible registry on a private
 * loopback port; the distribution proxy (server/beam/proxy/) replaces it with an EPMD that
 * answers PORT_PLEASE2 with a proxy port per (source, destination).
 */
import { startEmbeddedEpmd } from '../../../cluster/erlang/index.ts';

export interface LabEpmd {
  /** the port every lab node gets as ERL_EPMD_PORT */
  readonly port: number;
  close(): Promise<void>;
}

export interface LabEpmdOptions {
  /** default 127.0.0.1 */
  readonly host?: string;
  /** default 0: any free port */
  readonly port?: number;
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** Starts the lab's EPMD on loopback. */
export async function startLabEpmd(options: LabEpmdOptions = {}): Promise<LabEpmd> {
  const epmd = await startEmbeddedEpmd({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    logger: quiet,
  });
  return { port: epmd.port, close: () => epmd.close() };
}
