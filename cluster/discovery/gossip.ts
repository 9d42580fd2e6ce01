import dgram from 'node:dgram';
import { decodeAnnouncement, deriveGossipKey, encodeAnnouncement } from './announcement.ts';
import { Connector, errorText, type ConnectorOptions } from './connector.ts';
import {
  DEFAULT_GOSSIP_BIND_RETRY_MS,
  DEFAULT_GOSSIP_FORGET_AFTER_MS,
  DEFAULT_GOSSIP_GROUP,
  DEFAULT_GOSSIP_INTERFACE,
  DEFAULT_GOSSIP_INTERVAL_MS,
  DEFAULT_GOSSIP_MAX_AGE_MS,
  DEFAULT_GOSSIP_PORT,
} from './constants.ts';
import { connectorOptions } from './static.ts';
import type { DiscoveryContext, DiscoveryStrategy, IgnoreReason } from './types.ts';

export interface GossipStrategyOptions extends Partial<ConnectorOptions> {
  /** the cluster cookie; only an HMAC key derived from it is used, it is never sent */
  readonly cookie: string;
  /** multicast group; default DEFAULT_GOSSIP_GROUP */
  readonly group?: string;
  /** UDP port; default DEFAULT_GOSSIP_PORT */
  readonly port?: number;
  /** interface address for multicast; default DEFAULT_GOSSIP_INTERFACE (loopback) */
  readonly multicastInterface?: string;
  /** announcement period; default DEFAULT_GOSSIP_INTERVAL_MS */
  readonly intervalMs?: number;
  /** default DEFAULT_GOSSIP_MAX_AGE_MS */
  readonly maxAgeMs?: number;
  /** default DEFAULT_GOSSIP_FORGET_AFTER_MS */
  readonly forgetAfterMs?: number;
  /** default DEFAULT_GOSSIP_BIND_RETRY_MS */
  readonly bindRetryMs?: number;
  /** multicast TTL; default 1 (never leaves the host or link) */
  readonly ttl?: number;
}

const MAX_REMEMBERED_NONCES = 4_096;

/**
 * UDP multicast announcements (libcluster's Gossip strategy). Each node announces
 * `name@host:port` every interval, authenticated with an HMAC keyed from the cookie;
 * malformed, unauthenticated, stale and replayed datagrams are dropped, counted and reported.
 */
export function gossipStrategy(options: GossipStrategyOptions): DiscoveryStrategy {
  const group = options.group ?? DEFAULT_GOSSIP_GROUP;
  const port = options.port ?? DEFAULT_GOSSIP_PORT;
  const iface = options.multicastInterface ?? DEFAULT_GOSSIP_INTERFACE;
  const intervalMs = options.intervalMs ?? DEFAULT_GOSSIP_INTERVAL_MS;
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_GOSSIP_MAX_AGE_MS;
  const forgetAfterMs = options.forgetAfterMs ?? DEFAULT_GOSSIP_FORGET_AFTER_MS;
  const bindRetryMs = options.bindRetryMs ?? DEFAULT_GOSSIP_BIND_RETRY_MS;
  const key = deriveGossipKey(options.cookie);

  const counters = {
    announcements_sent: 0,
    announcements_received: 0,
    announcements_accepted: 0,
    ignored_malformed: 0,
    ignored_unauthenticated: 0,
    ignored_stale: 0,
    ignored_replay: 0,
    bind_errors: 0,
    send_errors: 0,
  };
  const ignoredKey = {
    malformed: 'ignored_malformed',
    unauthenticated: 'ignored_unauthenticated',
    stale: 'ignored_stale',
    replay: 'ignored_replay',
  } as const satisfies Record<IgnoreReason, keyof typeof counters>;

  let ctx: DiscoveryContext | undefined;
  let connector: Connector | undefined;
  let socket: dgram.Socket | undefined;
  let ready = false;
  let announceTimer: unknown;
  let retryTimer: unknown;
  let stopped = false;
  const lastSeen = new Map<string, number>();
  const nonces = new Map<string, number>();

  function onIgnored(c: DiscoveryContext, reason: IgnoreReason, from: string, detail: string) {
    const n = ++counters[ignoredKey[reason]];
    c.report({ kind: 'ignored', strategy: 'gossip', reason, from, at: c.clock.now() });
    // The first of each kind is loud; a flood must not flood the log.
    const data = { from, detail, count: n };
    if (n === 1 || n % 100 === 0) c.logger.warn(`gossip: ignored ${reason} announcement`, data);
    else c.logger.debug(`gossip: ignored ${reason} announcement`, data);
  }

  function onMessage(data: Buffer, rinfo: dgram.RemoteInfo) {
    const c = ctx;
    if (!c || stopped) return;
    counters.announcements_received++;
    const from = `${rinfo.address}:${rinfo.port}`;
    const now = c.clock.now();
    const result = decodeAnnouncement(key, data, now, maxAgeMs);
    if (!result.ok) return onIgnored(c, result.reason, from, result.detail);
    const { announcement } = result;
    if (announcement.name === c.self.name) return;
    if (nonces.has(announcement.nonce)) return onIgnored(c, 'replay', from, announcement.nonce);
    nonces.set(announcement.nonce, announcement.ts);
    if (nonces.size > MAX_REMEMBERED_NONCES) pruneNonces(now);
    counters.announcements_accepted++;
    lastSeen.set(announcement.address, c.clock.monotonic());
    connector?.add([announcement.address]);
  }

  function pruneNonces(now: number) {
    for (const [nonce, ts] of nonces) {
      if (Math.abs(now - ts) > maxAgeMs || nonces.size > MAX_REMEMBERED_NONCES)
        nonces.delete(nonce);
    }
  }

  function announce() {
    const c = ctx;
    if (!c || !socket || !ready || stopped) return;
    const now = c.clock.now();
    const datagram = encodeAnnouncement(key, c.self.name, c.self.address, now);
    socket.send(datagram, port, group, (err) => {
      if (err) {
        counters.send_errors++;
        c.logger.warn('gossip: announcement not sent', { error: errorText(err) });
      } else counters.announcements_sent++;
    });
    // announcements carry wall time (compared across hosts); forgetting is a local duration
    const mono = c.clock.monotonic();
    for (const [address, seen] of lastSeen) {
      if (mono - seen > forgetAfterMs && !c.isConnected(address)) {
        lastSeen.delete(address);
        connector?.remove(address);
      }
    }
    pruneNonces(now);
  }

  function bind() {
    const c = ctx;
    if (!c || stopped) return;
    const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    socket = s;
    s.on('message', onMessage);
    s.on('error', (err) => {
      if (stopped || socket !== s) return; // closed by stop(): nothing to report or retry
      if (ready) {
        c.logger.warn('gossip: socket error', { error: errorText(err) });
        return;
      }
      counters.bind_errors++;
      const message = `gossip: cannot bind ${group}:${port} (${errorText(err)}); retrying in ${bindRetryMs} ms`;
      c.logger.error(message, { group, port });
      c.report({
        kind: 'error',
        strategy: 'gossip',
        code: bindCode(err),
        message,
        at: c.clock.now(),
      });
      socket = undefined;
      try {
        s.close();
      } catch {
        // never bound: nothing to close
      }
      if (!stopped) retryTimer = c.clock.setTimeout(bind, bindRetryMs);
    });
    // Binding to the group address (not 0.0.0.0) receives only this group's datagrams.
    s.bind({ port, address: group }, () => {
      if (stopped || socket !== s) return;
      try {
        s.addMembership(group, iface);
        s.setMulticastInterface(iface);
        s.setMulticastLoopback(true);
        s.setMulticastTTL(options.ttl ?? 1);
      } catch (err) {
        s.emit('error', err);
        return;
      }
      ready = true;
      c.logger.info('gossip: listening', { group, port, interface: iface });
      announce();
    });
  }

  return {
    name: 'gossip',
    start(context: DiscoveryContext) {
      ctx = context;
      stopped = false;
      connector = new Connector(context, 'gossip', connectorOptions(options));
      announceTimer = context.clock.setInterval(announce, intervalMs);
      bind();
    },
    stop() {
      stopped = true;
      ready = false;
      if (ctx) {
        ctx.clock.clearInterval(announceTimer);
        ctx.clock.clearTimeout(retryTimer);
      }
      connector?.stop();
      connector = undefined;
      const s = socket;
      socket = undefined;
      if (s) {
        try {
          s.close();
        } catch {
          // already closed after a bind error
        }
      }
    },
    stats() {
      return { ...counters };
    },
  };
}

function bindCode(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'gossip_bind_failed';
}
