/**
 * Which requests come from the observatory's own pages: the `Host` check that defeats DNS
 * rebinding and the `Origin`/`Sec-Fetch-Site` check that defeats cross-site requests riding on
 * the dashboard's session cookie. Pure: takes header values, so the HTTP routes and the `/ui`
 * socket.io namespace (both transports) apply the same rules.
 */
import { isIP } from 'node:net';

/** What the server accepts besides its own origin. */
export interface OriginPolicy {
  /** lower-case host names (no port) a request's `Host` may name; IP literals always pass */
  readonly hosts: ReadonlySet<string>;
  /** exact origins (`scheme://host[:port]`) trusted as if they were the server's own */
  readonly origins: ReadonlySet<string>;
}

/** Host names a loopback server answers to without configuration. */
const LOOPBACK_NAMES = ['localhost'];

/**
 * The policy for a server listening on `listenHost`, widened by configuration: the listen host
 * (when it is a name), `localhost`, the names in `allowedHosts` and the hosts of `allowedOrigins`.
 */
export function originPolicy(
  listenHost: string,
  allowedHosts: readonly string[] = [],
  allowedOrigins: readonly string[] = [],
): OriginPolicy {
  const hosts = new Set<string>(LOOPBACK_NAMES);
  const addHost = (h: string) => {
    const name = h.trim().toLowerCase().replace(/\.$/, '');
    if (name !== '' && isIP(name) === 0) hosts.add(name);
  };
  addHost(listenHost);
  allowedHosts.forEach(addHost);
  const origins = new Set<string>();
  for (const o of allowedOrigins) {
    const url = new URL(o);
    origins.add(url.origin);
    addHost(url.hostname);
  }
  return { hosts, origins };
}

/** The host name of a `Host` header value (`name:port`, `[v6]:port`), lower-case, no port. */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.indexOf(':');
  return (colon >= 0 ? h.slice(0, colon) : h).replace(/\.$/, '');
}

/**
 * True when `host` (a `Host` header) names this server. A DNS-rebinding page reaches us under
 * the attacker's domain name, so its `Host` is that name; an IP literal cannot be rebound.
 */
export function isAllowedHost(host: string | undefined, policy: OriginPolicy): boolean {
  if (host === undefined || host === '') return false;
  const name = hostName(host);
  return isIP(name) !== 0 || policy.hosts.has(name);
}

/** The headers the origin checks read. */
export interface OriginHeaders {
  readonly host?: string | undefined;
  readonly origin?: string | undefined;
  readonly 'sec-fetch-site'?: string | undefined;
}

/** `Origin` as the browser sent it, normalised; `null` stays the string `null`. */
function originOf(value: string): string {
  if (value === 'null') return 'null';
  try {
    return new URL(value).origin;
  } catch {
    return 'null';
  }
}

/** True when `origin` is the server's own (same host and port as `Host`) or an allowed one. */
function isOwnOrigin(origin: string, host: string, policy: OriginPolicy): boolean {
  const normal = originOf(origin);
  if (normal === 'null') return false;
  if (policy.origins.has(normal)) return true;
  const url = new URL(normal);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  // `new URL` drops default ports, so compare both sides the same way.
  const own = new URL(`${url.protocol}//${host}`);
  return url.host === own.host;
}

/**
 * A browser request that may change state with the session cookie: it must prove it comes from
 * our own pages, by `Origin` (every browser sends it on POST) or, lacking one,
 * `Sec-Fetch-Site: same-origin`. A request with neither proves nothing and is refused.
 * @returns a reason, or undefined when the request is same-origin
 */
export function crossOriginReason(
  headers: OriginHeaders,
  policy: OriginPolicy,
): string | undefined {
  const host = headers.host ?? '';
  if (headers.origin !== undefined) {
    return isOwnOrigin(headers.origin, host, policy)
      ? undefined
      : `Origin ${JSON.stringify(headers.origin.slice(0, 100))}`;
  }
  if (headers['sec-fetch-site'] === 'same-origin') return undefined;
  return headers['sec-fetch-site'] === undefined
    ? 'no Origin header'
    : `Sec-Fetch-Site ${JSON.stringify(headers['sec-fetch-site'].slice(0, 30))}`;
}

/**
 * A read that a browser might make from another site (the `/ui` socket): refused when the
 * browser says it is cross-origin; clients that are not browsers send neither header and pass.
 */
export function foreignReaderReason(
  headers: OriginHeaders,
  policy: OriginPolicy,
): string | undefined {
  if (headers.origin !== undefined) return crossOriginReason(headers, policy);
  const site = headers['sec-fetch-site'];
  if (site === undefined || site === 'same-origin' || site === 'none') return undefined;
  return `Sec-Fetch-Site ${JSON.stringify(site.slice(0, 30))}`;
}
