import type { Clock, ConnectOptions, Logger, NodeName } from '../api.ts';

/** Names of the built-in strategies; a user strategy may use any other name. */
export type BuiltinStrategyName = 'static' | 'gossip' | 'dns';

/**
 * What a strategy saw or did, for the observatory's discovery debugger. Every strategy reports
 * what it found and every connect attempt with its result.
 */
export type DiscoveryEvent =
  | {
      readonly kind: 'found';
      readonly strategy: string;
      /** `host:port` targets currently known to the strategy */
      readonly targets: readonly string[];
      readonly at: number;
    }
  | {
      readonly kind: 'connect_attempt';
      readonly strategy: string;
      readonly target: string;
      /** 1 for the first attempt since the last success */
      readonly attempt: number;
      readonly at: number;
    }
  | {
      readonly kind: 'connect_result';
      readonly strategy: string;
      readonly target: string;
      readonly attempt: number;
      readonly ok: boolean;
      readonly durationMs: number;
      readonly error?: string;
      /** when the next attempt is allowed, if this one failed */
      readonly retryInMs?: number;
      readonly at: number;
    }
  | {
      readonly kind: 'ignored';
      readonly strategy: string;
      readonly reason: IgnoreReason;
      readonly from: string;
      readonly at: number;
    }
  | {
      readonly kind: 'error';
      readonly strategy: string;
      readonly code: string;
      readonly message: string;
      readonly at: number;
    };

/** Why an incoming announcement was dropped. */
export type IgnoreReason = 'malformed' | 'unauthenticated' | 'stale' | 'replay';

/** The narrow port a strategy uses; built from a ClusterNode by `startDiscovery`. */
export interface DiscoveryContext {
  /** this node: its full name and the `host:port` it listens on */
  readonly self: { readonly name: NodeName; readonly address: string };
  /**
   * connect to `host:port` (or `name@host:port`); resolves true once the link is up, false after
   * telling `onFailure` why not
   */
  connect(target: string, options?: ConnectOptions): Promise<boolean>;
  /** whether a link to the node listening on `host:port` is up */
  isConnected(address: string): boolean;
  /**
   * Calls `listener` whenever a link of this node goes down; returns the unsubscribe function.
   * With it the connector sleeps while every target is linked (no re-check timer waking the
   * node twice a second for nothing) and wakes when a link goes down; without it the connector
   * re-checks on its interval forever.
   */
  onLinkDown?(listener: () => void): () => void;
  readonly logger: Logger;
  readonly clock: Clock;
  /** sink for the discovery debugger; must not throw */
  report(event: DiscoveryEvent): void;
}

/**
 * A discovery strategy (like a libcluster strategy). `start` must not throw for bad network
 * conditions: it logs, reports an `error` event and keeps retrying where that makes sense.
 */
export interface DiscoveryStrategy {
  readonly name: string;
  start(ctx: DiscoveryContext): Promise<void> | void;
  stop(): Promise<void> | void;
  /** counters for operators (announcements ignored, resolutions failed, …) */
  stats?(): Record<string, number>;
}
