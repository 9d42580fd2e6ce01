import { Resolver } from 'node:dns/promises';
import { Connector, errorText, type ConnectorOptions } from './connector.ts';
import { DEFAULT_DNS_INTERVAL_MS, DEFAULT_DNS_TIMEOUT_MS } from './constants.ts';
import { connectorOptions } from './static.ts';
import type { DiscoveryContext, DiscoveryStrategy } from './types.ts';

export type DnsRecordType = 'A' | 'AAAA' | 'SRV';

export interface DnsStrategyOptions extends Partial<ConnectorOptions> {
  /** the name to resolve, e.g. a Kubernetes headless service */
  readonly query: string;
  /** default 'A' */
  readonly recordType?: DnsRecordType;
  /** the node port, required for A and AAAA (SRV records carry their own) */
  readonly port?: number;
  /** resolver addresses (`ip` or `ip:port`); default: the system's */
  readonly servers?: readonly string[];
  /** default DEFAULT_DNS_INTERVAL_MS */
  readonly intervalMs?: number;
  /** per-query timeout; default DEFAULT_DNS_TIMEOUT_MS */
  readonly timeoutMs?: number;
}

/** The slice of node:dns's Resolver this strategy uses (a fake in unit tests). */
export interface DnsResolverPort {
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
  resolveSrv(name: string): Promise<{ name: string; port: number }[]>;
}

export class DnsConfigError extends Error {
  readonly code = 'bad_argument';
}

/**
 * Periodic resolution of one name (libcluster's DNSPoll / Kubernetes.DNSSRV). The first query
 * runs at start; failures are logged, reported and retried every interval.
 */
export function dnsStrategy(
  options: DnsStrategyOptions,
  makeResolver: (options: DnsStrategyOptions) => DnsResolverPort = systemResolver,
): DiscoveryStrategy {
  const recordType = options.recordType ?? 'A';
  if (recordType !== 'SRV' && options.port === undefined) {
    throw new DnsConfigError(`dns discovery: a port is required with ${recordType} records`);
  }
  const intervalMs = options.intervalMs ?? DEFAULT_DNS_INTERVAL_MS;
  const counters = { resolutions: 0, resolution_errors: 0, empty_answers: 0 };
  let ctx: DiscoveryContext | undefined;
  let connector: Connector | undefined;
  let resolver: DnsResolverPort | undefined;
  let timer: unknown;
  let running = false;
  let lastError: string | undefined;

  async function targetsNow(r: DnsResolverPort): Promise<string[]> {
    if (recordType === 'A')
      return (await r.resolve4(options.query)).map((a) => `${a}:${options.port}`);
    if (recordType === 'AAAA') {
      return (await r.resolve6(options.query)).map((a) => `[${a}]:${options.port}`);
    }
    const targets: string[] = [];
    for (const srv of await r.resolveSrv(options.query)) {
      for (const host of await addressesOf(r, srv.name)) targets.push(`${host}:${srv.port}`);
    }
    return targets;
  }

  async function poll(): Promise<void> {
    const c = ctx;
    if (!c || !resolver || running) return;
    running = true;
    try {
      const targets = [...new Set(await targetsNow(resolver))].sort();
      counters.resolutions++;
      if (targets.length === 0) counters.empty_answers++;
      if (lastError !== undefined) c.logger.info('dns: resolving again', { query: options.query });
      lastError = undefined;
      connector?.replace(targets);
    } catch (err) {
      counters.resolution_errors++;
      const text = errorText(err);
      const message = `dns: cannot resolve ${recordType} ${options.query} (${text}); retrying every ${intervalMs} ms`;
      // Same failure again: keep the log quiet, but the debugger still gets every event.
      if (text !== lastError) c.logger.error(message, { query: options.query });
      else c.logger.debug(message);
      lastError = text;
      const code = (err as { code?: unknown }).code;
      c.report({
        kind: 'error',
        strategy: 'dns',
        code: typeof code === 'string' ? code : 'dns_error',
        message,
        at: c.clock.now(),
      });
    } finally {
      running = false;
    }
  }

  return {
    name: 'dns',
    start(context: DiscoveryContext) {
      ctx = context;
      resolver = makeResolver(options);
      connector = new Connector(context, 'dns', connectorOptions(options));
      timer = context.clock.setInterval(() => void poll(), intervalMs);
      return poll();
    },
    stop() {
      ctx?.clock.clearInterval(timer);
      connector?.stop();
      connector = undefined;
      ctx = undefined;
    },
    stats() {
      return { ...counters };
    },
  };
}

async function addressesOf(r: DnsResolverPort, host: string): Promise<string[]> {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return [host];
  try {
    return await r.resolve4(host);
  } catch {
    return (await r.resolve6(host)).map((a) => `[${a}]`);
  }
}

function systemResolver(options: DnsStrategyOptions): DnsResolverPort {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? DEFAULT_DNS_TIMEOUT_MS, tries: 1 });
  if (options.servers && options.servers.length > 0) resolver.setServers([...options.servers]);
  return resolver;
}
