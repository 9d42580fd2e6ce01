import type { Logger } from '../cluster/api.ts';
import type { Discovery, DiscoveryEvent } from '../cluster/discovery/index.ts';
import type { DiscoveryAttempt, DiscoverySummary } from '../protocol/telemetry.ts';
import {
  DISCOVERY_KEY_PATTERN,
  MAX_DISCOVERY_ATTEMPTS,
  MAX_DISCOVERY_COUNTERS,
  MAX_DISCOVERY_ERROR_CHARS,
  MAX_DISCOVERY_KEY_CHARS,
  MAX_DISCOVERY_TARGET_CHARS,
  MAX_DISCOVERY_TARGETS,
  discoverySummarySchema,
} from '../protocol/telemetry.ts';

/**
 * What the agent needs of a node's running discovery; the `Discovery` that `startDiscovery`
 * returns fits, and so does any object with these members.
 */
export type DiscoverySource = Pick<Discovery, 'onEvent' | 'recentEvents' | 'stats'> & {
  readonly strategy: { readonly name: string };
};

const MAX_STRATEGY_CHARS = 64;

/**
 * Follows a discovery's events and sums them up for each snapshot: the targets last found, the
 * latest connect attempts (an attempt in flight is replaced by its result), counts of results and
 * of ignored announcements, the last error and the strategy's `stats()`. Memory is bounded by the
 * same limits as the snapshot section. Starts from the discovery's recent history, so an agent
 * attached after discovery started still shows what happened before.
 */
export class DiscoveryTracker {
  private targets: string[] = [];
  private targetCount = 0;
  private targetsAt: number | null = null;
  private attempts: DiscoveryAttempt[] = [];
  private ok = 0;
  private failed = 0;
  private readonly ignored = new Map<string, number>();
  private lastError: DiscoverySummary['lastError'] = null;
  private readonly unsubscribe: () => void;
  private warned = false;

  constructor(
    private readonly source: DiscoverySource,
    private readonly logger?: Logger,
  ) {
    // Both calls are synchronous, so no event can fall between the replay and the subscription.
    for (const event of source.recentEvents()) this.apply(event);
    this.unsubscribe = source.onEvent((event) => this.apply(event));
  }

  /** The section for the next snapshot, or undefined (logged once) if it cannot be made valid. */
  summary(): DiscoverySummary | undefined {
    const parsed = discoverySummarySchema.safeParse({
      strategy: clip(this.source.strategy.name, MAX_STRATEGY_CHARS) || 'unknown',
      targets: this.targets,
      targetCount: this.targetCount,
      targetsAt: this.targetsAt,
      attempts: this.attempts,
      connects: { ok: this.ok, failed: this.failed },
      ignored: Object.fromEntries(this.ignored),
      lastError: this.lastError,
      stats: this.stats(),
    });
    if (parsed.success) return parsed.data;
    this.warnOnce('discovery summary is invalid; left out of the snapshot', parsed.error.message);
    return undefined;
  }

  close(): void {
    this.unsubscribe();
  }

  private apply(event: DiscoveryEvent): void {
    if (!(Number.isFinite(event.at) && event.at >= 0)) return;
    switch (event.kind) {
      case 'found': {
        const all = [...new Set(event.targets.map((t) => clip(t, MAX_DISCOVERY_TARGET_CHARS)))]
          .filter((t) => t !== '')
          .sort();
        this.targets = all.slice(0, MAX_DISCOVERY_TARGETS);
        this.targetCount = all.length;
        this.targetsAt = event.at;
        return;
      }
      case 'connect_attempt': {
        const target = clip(event.target, MAX_DISCOVERY_TARGET_CHARS);
        if (target === '') return;
        this.pushAttempt({ target, attempt: attemptNumber(event.attempt), ok: null, at: event.at });
        return;
      }
      case 'connect_result': {
        const target = clip(event.target, MAX_DISCOVERY_TARGET_CHARS);
        if (target === '') return;
        if (event.ok) this.ok++;
        else this.failed++;
        const attempt = attemptNumber(event.attempt);
        const result: DiscoveryAttempt = {
          target,
          attempt,
          ok: event.ok,
          at: event.at,
          ...(nonNegative(event.durationMs) && { durationMs: event.durationMs }),
          ...(event.error !== undefined && {
            error: clip(event.error, MAX_DISCOVERY_ERROR_CHARS),
          }),
          ...(nonNegative(event.retryInMs) && { retryInMs: event.retryInMs }),
        };
        const pending = this.attempts.findLastIndex(
          (a) => a.ok === null && a.target === target && a.attempt === attempt,
        );
        if (pending >= 0) this.attempts[pending] = result;
        else this.pushAttempt(result);
        return;
      }
      case 'ignored': {
        const reason = clip(event.reason, MAX_DISCOVERY_KEY_CHARS);
        if (!DISCOVERY_KEY_PATTERN.test(reason)) return;
        const seen = this.ignored.get(reason);
        if (seen === undefined && this.ignored.size >= MAX_DISCOVERY_COUNTERS) return;
        this.ignored.set(reason, (seen ?? 0) + 1);
        return;
      }
      case 'error':
        this.lastError = {
          code: clip(event.code, MAX_DISCOVERY_KEY_CHARS) || 'error',
          message: clip(event.message, MAX_DISCOVERY_ERROR_CHARS),
          at: event.at,
        };
        return;
    }
  }

  private pushAttempt(attempt: DiscoveryAttempt): void {
    this.attempts.push(attempt);
    if (this.attempts.length > MAX_DISCOVERY_ATTEMPTS) this.attempts.shift();
  }

  /** The strategy's counters that fit the protocol (a throwing `stats()` gives none). */
  private stats(): Record<string, number> {
    let raw: Record<string, number>;
    try {
      raw = this.source.stats();
    } catch (error) {
      this.warnOnce('discovery stats() threw', String(error));
      return {};
    }
    const out: Record<string, number> = {};
    let keys = 0;
    for (const [key, value] of Object.entries(raw)) {
      if (keys >= MAX_DISCOVERY_COUNTERS) break;
      if (key.length > MAX_DISCOVERY_KEY_CHARS || !DISCOVERY_KEY_PATTERN.test(key)) continue;
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      out[key] = value;
      keys++;
    }
    return out;
  }

  private warnOnce(message: string, error: string): void {
    if (this.warned) return;
    this.warned = true;
    this.logger?.warn(message, { error });
  }
}

function clip(text: unknown, max: number): string {
  return typeof text === 'string' ? text.slice(0, max) : '';
}

function attemptNumber(n: number): number {
  return Number.isFinite(n) ? Math.max(1, Math.floor(n)) : 1;
}

function nonNegative(n: number | undefined): n is number {
  return n !== undefined && Number.isFinite(n) && n >= 0;
}
