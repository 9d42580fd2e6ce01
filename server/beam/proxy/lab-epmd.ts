/**
 * The lab's EPMD when the distribution proxy runs: the `{ port, close }` the BEAM lab gives its
 * nodes as ERL_EPMD_PORT, with the proxy behind it for the observer (`traffic`) and the control
 * plane (`withBeamProxyAgents`).
 */
import { startBeamProxy, type BeamProxy, type BeamProxyOptions } from './beam-proxy.ts';

export interface ProxiedLabEpmd {
  /** the port every lab node gets as ERL_EPMD_PORT */
  readonly port: number;
  readonly proxy: BeamProxy;
  close(): Promise<void>;
}

export async function startProxiedLabEpmd(
  options: { readonly host?: string; readonly port?: number } & Omit<
    BeamProxyOptions,
    'host' | 'epmdPort'
  > = {},
): Promise<ProxiedLabEpmd> {
  const { host, port, ...rest } = options;
  const proxy = await startBeamProxy({
    ...rest,
    ...(host !== undefined && { host }),
    ...(port !== undefined && { epmdPort: port }),
  });
  return { port: proxy.epmdPort, proxy, close: () => proxy.close() };
}
