/** Test fixture: a plain TCP server registered as the node `victim` with the proxy's EPMD. */
import { createServer, type Server, type Socket } from 'node:net';
import { registerNode, type EpmdRegistration } from '../../../../cluster/erlang/epmd/client.ts';
import type { BeamProxy } from '../beam-proxy.ts';

export interface Victim {
  readonly server: Server;
  readonly port: number;
  readonly registration: EpmdRegistration;
  /** unregisters and closes the server */
  close(): Promise<void>;
}

/** Listens on a loopback port, hands every accepted socket to `onSocket`, registers `victim`. */
export async function registerVictim(
  proxy: BeamProxy,
  onSocket: (socket: Socket) => void,
): Promise<Victim> {
  const server = createServer(onSocket);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const registration = await registerNode(
    { host: '127.0.0.1', port: proxy.epmdPort, timeoutMs: 2_000 },
    {
      name: 'victim',
      port,
      nodeType: 77,
      protocol: 0,
      highestVersion: 6,
      lowestVersion: 6,
      extra: new Uint8Array(),
    },
  );
  return {
    server,
    port,
    registration,
    close: async () => {
      registration.close();
      await new Promise((r) => server.close(r));
    },
  };
}
