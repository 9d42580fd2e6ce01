import { Command } from 'commander';
import { CookieFileError, readCookieFile } from '../cookie-file.ts';
import { CliOptionsError, parsePort } from '../options.ts';
import { runServer } from '../run-server.ts';

const BEAM_NODE_PATTERN = /^[A-Za-z0-9_.-]{1,64}@[A-Za-z0-9.:_-]{1,253}$/;
const HOST_PATTERN = /^[A-Za-z0-9.:_-]{1,253}$/;
const DEFAULT_ERL_EPMD_PORT = 4369;

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/**
 * The BEAM cluster to watch, from `--beam-nodes`, `--beam-epmd-hosts`, `--beam-cookie-file` and
 * env ERL_EPMD_PORT; undefined when none was asked for.
 * @throws CliOptionsError naming every bad flag
 */
export function beamWatchOptions(
  opts: {
    beamNodes?: string;
    beamEpmdHosts?: string;
    beamCookieFile?: string;
    beamProxyEpmd?: string;
    beamProxyHost?: string;
  },
  env: Readonly<Record<string, string | undefined>>,
):
  | {
      nodes: string[];
      epmdHosts: string[];
      cookie: string;
      epmdPort: number;
      proxy?: { epmdPort: number; host?: string };
    }
  | undefined {
  const nodes = list(opts.beamNodes);
  const epmdHosts = list(opts.beamEpmdHosts);
  const issues: string[] = [];
  for (const n of nodes)
    if (!BEAM_NODE_PATTERN.test(n))
      issues.push(`--beam-nodes: ${JSON.stringify(n)} is not name@host`);
  for (const h of epmdHosts)
    if (!HOST_PATTERN.test(h)) issues.push(`--beam-epmd-hosts: ${JSON.stringify(h)} is not a host`);
  const wanted = nodes.length > 0 || epmdHosts.length > 0;
  if (!wanted && opts.beamCookieFile !== undefined)
    issues.push('--beam-cookie-file: give --beam-nodes or --beam-epmd-hosts too');
  if (wanted && opts.beamCookieFile === undefined)
    issues.push('--beam-cookie-file: required with --beam-nodes or --beam-epmd-hosts');
  const port = env.ERL_EPMD_PORT === undefined ? DEFAULT_ERL_EPMD_PORT : Number(env.ERL_EPMD_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    issues.push('ERL_EPMD_PORT: must be a port from 1 to 65535');
  let cookie = '';
  if (wanted && opts.beamCookieFile !== undefined) {
    try {
      cookie = readCookieFile(opts.beamCookieFile);
    } catch (error) {
      if (!(error instanceof CookieFileError)) throw error;
      issues.push(`--beam-cookie-file: ${error.message}`);
    }
  }
  let proxy: { epmdPort: number; host?: string } | undefined;
  if (opts.beamProxyEpmd !== undefined) {
    const p = Number(opts.beamProxyEpmd);
    if (!/^\d{1,5}$/.test(opts.beamProxyEpmd) || p < 1 || p > 65535)
      issues.push("--beam-proxy-epmd: must be a port from 1 to 65535 (the nodes' ERL_EPMD_PORT)");
    else proxy = { epmdPort: p };
    if (!wanted) issues.push('--beam-proxy-epmd: give --beam-nodes or --beam-epmd-hosts too');
  }
  if (opts.beamProxyHost !== undefined) {
    if (!HOST_PATTERN.test(opts.beamProxyHost))
      issues.push(`--beam-proxy-host: ${JSON.stringify(opts.beamProxyHost)} is not a host`);
    else if (proxy !== undefined) proxy.host = opts.beamProxyHost;
    if (opts.beamProxyEpmd === undefined)
      issues.push('--beam-proxy-host: give --beam-proxy-epmd too');
  }
  if (issues.length > 0) throw new CliOptionsError('server', issues);
  if (!wanted) return undefined;
  return { nodes, epmdHosts, cookie, epmdPort: port, ...(proxy !== undefined && { proxy }) };
}

/** `observatory server`: the observatory alone, for real clusters whose nodes connect to it. */
export function serverCommand(): Command {
  return new Command('server')
    .description(
      'run the observatory server alone (dashboard, API, agent ingest) for real clusters',
    )
    .option('--port <port>', 'HTTP port; 0 picks a free one (default: env PORT or 3000)', parsePort)
    .option('--host <host>', 'address to listen on (default: env HOST or 127.0.0.1)')
    .option('--dev', 'run the dashboard with Next.js in development mode', false)
    .option('--beam-nodes <list>', 'BEAM nodes to watch over rex, comma-separated name@host')
    .option(
      '--beam-epmd-hosts <list>',
      'hosts whose EPMD (port: env ERL_EPMD_PORT, else 4369) lists BEAM nodes to watch',
    )
    .option(
      '--beam-cookie-file <path>',
      'file holding the BEAM cluster cookie, owner-only (chmod 400); never logged',
    )
    .option(
      '--beam-proxy-epmd <port>',
      'run our EPMD and distribution proxy on this port; start the nodes with ERL_EPMD_PORT=<port> -start_epmd false to get message sizes, partition and latency on their links',
    )
    .option(
      '--beam-proxy-host <host>',
      'address of that EPMD and the proxy listeners (default 127.0.0.1)',
    )
    .action(
      async (opts: {
        port?: number;
        host?: string;
        dev: boolean;
        beamNodes?: string;
        beamEpmdHosts?: string;
        beamCookieFile?: string;
        beamProxyEpmd?: string;
        beamProxyHost?: string;
      }) => {
        const beam = beamWatchOptions(opts, process.env);
        await runServer({
          ...(opts.port !== undefined && { port: opts.port }),
          ...(opts.host !== undefined && { host: opts.host }),
          dev: opts.dev,
          ...(beam !== undefined && { beam }),
        });
      },
    );
}
