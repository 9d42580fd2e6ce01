/**
 * `--discovery static|gossip|dns` and each strategy's options, for `observatory node`.
 * Library code never reads the environment; the CLI passes what it parsed here.
 */
import type { Command } from 'commander';
import { parseDiscoveryConfig, type DiscoveryConfig } from '../cluster/discovery/config.ts';
import {
  DEFAULT_DNS_INTERVAL_MS,
  DEFAULT_GOSSIP_GROUP,
  DEFAULT_GOSSIP_INTERFACE,
  DEFAULT_GOSSIP_INTERVAL_MS,
  DEFAULT_GOSSIP_PORT,
} from '../cluster/discovery/constants.ts';

/** The parsed option values this module reads (commander camel-cases the flags). */
export interface DiscoveryCliOptions {
  discovery?: string;
  seeds?: string;
  gossipGroup?: string;
  gossipPort?: string;
  gossipInterface?: string;
  gossipInterval?: string;
  dnsName?: string;
  dnsType?: string;
  dnsPort?: string;
  dnsResolver?: string;
  dnsInterval?: string;
  discoveryBackoffMax?: string;
}

const OPTIONS: readonly (readonly [flags: string, description: string, defaultValue?: string])[] = [
  ['--discovery <strategy>', 'static | gossip | dns', 'static'],
  ['--seeds <list>', 'static: comma-separated host:port of nodes to connect to'],
  ['--gossip-group <ip>', `gossip: multicast group (default ${DEFAULT_GOSSIP_GROUP})`],
  ['--gossip-port <port>', `gossip: UDP port (default ${DEFAULT_GOSSIP_PORT})`],
  ['--gossip-interface <ip>', `gossip: multicast interface (default ${DEFAULT_GOSSIP_INTERFACE})`],
  ['--gossip-interval <ms>', `gossip: announcement period (default ${DEFAULT_GOSSIP_INTERVAL_MS})`],
  ['--dns-name <name>', 'dns: name to resolve, e.g. a headless service'],
  ['--dns-type <type>', 'dns: A | AAAA | SRV (default A)'],
  ['--dns-port <port>', 'dns: node port for A/AAAA answers (default: this node’s --port)'],
  ['--dns-resolver <list>', 'dns: comma-separated resolver ip[:port] (default: the system’s)'],
  ['--dns-interval <ms>', `dns: polling period (default ${DEFAULT_DNS_INTERVAL_MS})`],
  ['--discovery-backoff-max <ms>', 'longest wait between connect retries to a known peer'],
];

/** Add the discovery options to a command; options it already declares are left alone. */
export function addDiscoveryOptions(command: Command): Command {
  const existing = new Set(command.options.map((o) => o.long));
  for (const [flags, description, defaultValue] of OPTIONS) {
    const long = flags.split(' ')[0];
    if (existing.has(long)) continue;
    if (defaultValue === undefined) command.option(flags, description);
    else command.option(flags, description, defaultValue);
  }
  return command;
}

/**
 * Turn parsed options into a validated discovery config. Throws DiscoveryConfigError with a
 * message naming the bad option. `nodePort` is the default port for DNS A/AAAA answers.
 */
export function discoveryConfigFromOptions(
  options: DiscoveryCliOptions,
  nodePort?: number,
): DiscoveryConfig {
  const strategy = options.discovery ?? 'static';
  const backoffMaxMs = num(options.discoveryBackoffMax);
  const common = backoffMaxMs === undefined ? {} : { backoffMaxMs };
  let input: Record<string, unknown>;
  switch (strategy) {
    case 'static':
      input = { strategy, seeds: list(options.seeds) };
      break;
    case 'gossip':
      input = {
        strategy,
        group: options.gossipGroup,
        port: num(options.gossipPort),
        multicastInterface: options.gossipInterface,
        intervalMs: num(options.gossipInterval),
      };
      break;
    case 'dns':
      input = {
        strategy,
        query: options.dnsName ?? '',
        recordType: options.dnsType?.toUpperCase(),
        port: num(options.dnsPort) ?? nodePort,
        servers: options.dnsResolver === undefined ? undefined : list(options.dnsResolver),
        intervalMs: num(options.dnsInterval),
      };
      break;
    default:
      input = { strategy };
  }
  // Absent options must be absent (not undefined) so that zod applies the defaults.
  const defined = Object.fromEntries(
    Object.entries({ ...input, ...common }).filter(([, v]) => v !== undefined),
  );
  return parseDiscoveryConfig(defined);
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** A number, or NaN for zod to reject with the option's path; undefined when absent. */
function num(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return Number(value);
}
