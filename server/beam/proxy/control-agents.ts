/**
 * The control plane's view of agents with BEAM nodes added. A BEAM node has no agent inside; the
 * observer that watches it may stand in for one (it can kill), and the distribution proxy adds
 * what acts on links: partition, latency and heal go to the proxy, the rest to the stand-in.
 * Same commands, same acks, same audit as for TypeScript nodes.
 */
import type { AgentConnection } from '../../ingest/ports.ts';
import type { BeamProxy, ProxyAgent } from './beam-proxy.ts';

export interface AgentDirectory {
  agent(node: string): AgentConnection | undefined;
  agents(): AgentConnection[];
}

const LINK_COMMANDS: ReadonlySet<string> = new Set(['partition', 'heal', 'latency']);

function combine(own: AgentConnection | undefined, proxied: ProxyAgent | undefined) {
  if (proxied === undefined) return own;
  if (own === undefined) return proxied;
  // An agent that acts on its links itself (a TypeScript node) keeps doing so.
  if (own.capabilities.includes('partition')) return own;
  const combined: AgentConnection = {
    node: own.node,
    bootId: own.bootId,
    hidden: own.hidden,
    capabilities: [...new Set([...own.capabilities, ...proxied.capabilities])],
    command: (command, timeoutMs) =>
      LINK_COMMANDS.has(command.type)
        ? proxied.command(command, timeoutMs)
        : own.command(command, timeoutMs),
  };
  return combined;
}

export function withBeamProxyAgents(
  agents: AgentDirectory,
  proxy: Pick<BeamProxy, 'agent' | 'agents'>,
): AgentDirectory {
  return {
    agent: (node) => combine(agents.agent(node), proxy.agent(node)),
    agents: () => {
      const own = agents.agents();
      const names = new Set(own.map((a) => a.node));
      return [
        ...own.map((a) => combine(a, proxy.agent(a.node))!),
        ...proxy.agents().filter((a) => !names.has(a.node)),
      ];
    },
  };
}
