/**
 * `observatory node --observatory URL --agent-token T`: attaches the observatory agent to the
 * running node. The CLI reads the token (flag or OBSERVATORY_AGENT_TOKEN); the agent never
 * reads the environment.
 */
import { readFileSync } from 'node:fs';
import type { ClusterNode, Logger } from '../../cluster/api.ts';
import {
  attachAgent,
  type Agent,
  type DiscoverySource,
  type ShardInfo,
} from '../../agents/index.ts';
import type { ControlCommand } from '../../protocol/control.ts';
import { CliOptionsError } from '../options.ts';
import type { ShardEventReporter } from './shards-events.ts';

export interface AgentCliOptions {
  /** `--observatory`: the server's base URL */
  readonly observatory: string;
  /** `--observatory-ca`: a PEM file of the CA an https observatory's certificate is checked against */
  readonly observatoryCa?: string;
  /** `--agent-token`, else OBSERVATORY_AGENT_TOKEN */
  readonly agentToken: string | undefined;
  /** what a `kill` command does; default: SIGKILL this process (a crash, as peers see it) */
  readonly onKill?: (command: ControlCommand) => void;
  /** shard ownership as this node sees it, when the node runs shards */
  readonly shards?: () => readonly ShardInfo[];
  /** lease, ownership and fencing events of the node's shards, recorded through the agent */
  readonly shardEvents?: Pick<ShardEventReporter, 'attach'>;
  /** the node's running discovery, summed up into each snapshot */
  readonly discovery?: DiscoverySource;
  readonly logger?: Logger;
}

/** Validates the options and attaches the agent; throws `CliOptionsError` on bad values. */
export function attachAgentFromCli(node: ClusterNode, options: AgentCliOptions): Agent {
  const issues: string[] = [];
  let url: URL | undefined;
  try {
    url = new URL(options.observatory);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      issues.push('--observatory: must be an http:// or https:// URL');
    }
  } catch {
    issues.push('--observatory: must be a URL such as http://127.0.0.1:3000');
  }
  let ca: string | undefined;
  if (options.observatoryCa !== undefined) {
    try {
      ca = readFileSync(options.observatoryCa, 'utf8');
    } catch (error) {
      issues.push(`--observatory-ca: cannot read ${options.observatoryCa} (${String(error)})`);
    }
    if (url?.protocol === 'http:')
      issues.push('--observatory-ca: needs an https:// --observatory URL');
  }
  if (options.agentToken === undefined || options.agentToken === '') {
    issues.push(
      "--agent-token: is required with --observatory: this node's credential, in env OBSERVATORY_AGENT_TOKEN (observatory agent-credential NAME@HOST prints it)",
    );
  }
  if (issues.length > 0 || url === undefined) throw new CliOptionsError('node', issues);
  const agent = attachAgent(node, {
    url: url.origin,
    token: options.agentToken!,
    ...(ca !== undefined && { ca }),
    onKill: options.onKill ?? (() => process.kill(process.pid, 'SIGKILL')),
    ...(options.shards !== undefined && { shards: options.shards }),
    ...(options.discovery !== undefined && { discovery: options.discovery }),
    ...(options.logger !== undefined && { logger: options.logger }),
  });
  options.shardEvents?.attach((event) => agent.record(event));
  return agent;
}
