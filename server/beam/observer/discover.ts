/**
 * Finding BEAM nodes to watch through EPMD (`--beam-epmd-hosts`): every name registered with the
 * EPMD of each host, as `epmd -names` lists them, except other observers' hidden nodes.
 */
import { listNames } from '../../../cluster/erlang/index.ts';

/** How long one host's EPMD may take to answer. */
export const EPMD_NAMES_TIMEOUT_MS = 2_000;
/** How often the hosts are asked again, so nodes started later are watched too. */
export const BEAM_DISCOVERY_INTERVAL_MS = 10_000;

/** `name@host` of every node registered with EPMD on `hosts`; unreachable hosts give none. */
export async function discoverBeamNodes(
  hosts: readonly string[],
  epmdPort: number,
  log: (line: string) => void = () => {},
): Promise<string[]> {
  const found = await Promise.all(
    hosts.map(async (host) => {
      try {
        const names = await listNames({ host, port: epmdPort, timeoutMs: EPMD_NAMES_TIMEOUT_MS });
        return names
          .filter((n) => !n.name.startsWith('observatory_'))
          .map((n) => `${n.name}@${host}`);
      } catch (error) {
        log(`beam: EPMD at ${host}:${epmdPort} did not list its nodes: ${String(error)}`);
        return [];
      }
    }),
  );
  return [...new Set(found.flat())].sort();
}
