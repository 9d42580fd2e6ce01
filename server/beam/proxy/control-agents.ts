/**
 * The control plane's view of agents with BEAM nodes added: a node with a connected agent is
 * commanded through it; a BEAM node (no agent inside) through the distribution proxy, which cuts,
 * delays and heals its links. Same commands, same acks, same audit.
 */
import type { AgentConnection } from '../../ingest/ingest.ts';
import type { BeamProxy } from './beam-proxy.ts';

export interface AgentDirectory {
  agent(node: string): AgentConnection | undefined;
  agents(): AgentConnection[];
}

export function withBeamProxyAgents(
  agents: AgentDirectory,
  proxy: Pick<BeamProxy, 'agent' | 'agents'>,
): AgentDirectory {
  return {
    agent: (node) => agents.agent(node) ?? proxy.agent(node),
    agents: () => {
      const own = agents.agents();
      const names = new Set(own.map((a) => a.node));
      return [...own, ...proxy.agents().filter((a) => !names.has(a.node))];
    },
  };
}
