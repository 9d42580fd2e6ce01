import { backoffDelayMs, type BackoffOptions } from './backoff.ts';
import type { DiscoveryContext } from './types.ts';

interface TargetState {
  failures: number;
  nextAttemptAt: number;
  inFlight: boolean;
}

export interface ConnectorOptions extends BackoffOptions {
  readonly recheckIntervalMs: number;
  readonly connectTimeoutMs: number;
  readonly random?: () => number;
}

/**
 * Keeps a set of known targets connected: connects to new ones at once, retries failures with
 * exponential backoff and jitter, and re-checks every target periodically so that a peer that
 * went away and came back is reconnected (libcluster's most complained-about gap).
 * Shared by every built-in strategy; a custom strategy may use it too.
 *
 * The periodic re-check runs only while some target is not linked, when the context says when a
 * link goes down (`onLinkDown`): a node whose every seed is linked has nothing to re-check, and
 * the timer woke every node of an idle mesh twice a second (issue #20). A link going down
 * re-arms it, so a lost seed is re-checked within one interval, as before.
 */
export class Connector {
  readonly #ctx: DiscoveryContext;
  readonly #strategy: string;
  readonly #options: ConnectorOptions;
  readonly #targets = new Map<string, TargetState>();
  #timer: unknown = null;
  #stopped = false;
  readonly #inFlight = new Set<AbortController>();
  /** unsubscribes from the context's link-down events; undefined when it has none */
  readonly #unwatch: (() => void) | undefined;

  constructor(ctx: DiscoveryContext, strategy: string, options: ConnectorOptions) {
    this.#ctx = ctx;
    this.#strategy = strategy;
    this.#options = options;
    this.#unwatch = ctx.onLinkDown?.(() => this.#arm());
    this.#arm();
  }

  /** Starts the re-check interval unless it runs. */
  #arm(): void {
    if (this.#timer !== null || this.#stopped) return;
    this.#timer = this.#ctx.clock.setInterval(
      () => this.recheck(),
      this.#options.recheckIntervalMs,
    );
  }

  /** Whether the re-check timer is running (it sleeps while every target is linked). */
  get rechecking(): boolean {
    return this.#timer !== null;
  }

  /** Targets currently tracked. */
  targets(): string[] {
    return [...this.#targets.keys()];
  }

  /** Add targets (and report the full set when it changed); new ones are tried at once. */
  add(targets: Iterable<string>): void {
    let changed = false;
    for (const raw of targets) {
      const target = normalizeTarget(raw);
      if (target === this.#ctx.self.address || this.#targets.has(target)) continue;
      this.#targets.set(target, { failures: 0, nextAttemptAt: 0, inFlight: false });
      changed = true;
    }
    if (changed) this.#reportFound();
    this.recheck();
  }

  /** Replace the tracked set (DNS answers); targets that vanished are no longer retried. */
  replace(targets: Iterable<string>): void {
    const wanted = new Set([...targets].map(normalizeTarget));
    wanted.delete(this.#ctx.self.address);
    let changed = false;
    for (const known of [...this.#targets.keys()]) {
      if (!wanted.has(known)) {
        this.#targets.delete(known);
        changed = true;
      }
    }
    for (const target of wanted) {
      if (!this.#targets.has(target)) {
        this.#targets.set(target, { failures: 0, nextAttemptAt: 0, inFlight: false });
        changed = true;
      }
    }
    if (changed) this.#reportFound();
    this.recheck();
  }

  remove(target: string): void {
    if (this.#targets.delete(normalizeTarget(target))) this.#reportFound();
  }

  /** Try every target that is not connected and whose backoff has elapsed. */
  recheck(): void {
    if (this.#stopped) return;
    const now = this.#ctx.clock.monotonic();
    let pending = false;
    for (const [target, state] of this.#targets) {
      if (state.inFlight || now < state.nextAttemptAt) {
        pending = true;
        continue;
      }
      if (this.#ctx.isConnected(target)) {
        state.failures = 0;
        continue;
      }
      pending = true;
      void this.#attempt(target, state);
    }
    if (pending) this.#arm();
    else if (this.#unwatch !== undefined && this.#timer !== null) {
      // every target linked: nothing to re-check until a link goes down
      this.#ctx.clock.clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#unwatch?.();
    if (this.#timer !== null) this.#ctx.clock.clearInterval(this.#timer);
    this.#timer = null;
    for (const controller of this.#inFlight) controller.abort();
    this.#inFlight.clear();
  }

  async #attempt(target: string, state: TargetState): Promise<void> {
    const { clock } = this.#ctx;
    state.inFlight = true;
    const attempt = state.failures + 1;
    const started = clock.monotonic();
    this.#ctx.report({
      kind: 'connect_attempt',
      strategy: this.#strategy,
      target,
      attempt,
      at: clock.now(),
    });
    const controller = new AbortController();
    this.#inFlight.add(controller);
    const timeout = clock.setTimeout(() => controller.abort(), this.#options.connectTimeoutMs);
    let ok = false;
    let error: string | undefined;
    try {
      ok = await this.#ctx.connect(target, {
        signal: controller.signal,
        onFailure: (reason) => (error = reason),
      });
      if (!ok) {
        if (controller.signal.aborted && !this.#stopped) error = 'connect timed out';
        error ??= 'not connected';
      }
    } catch (err) {
      error = controller.signal.aborted && !this.#stopped ? 'connect timed out' : errorText(err);
    } finally {
      clock.clearTimeout(timeout);
      this.#inFlight.delete(controller);
      state.inFlight = false;
    }
    if (this.#stopped) return;
    // durations and the backoff on the monotonic clock; `at` (wall) only labels the event
    const ended = clock.monotonic();
    const at = clock.now();
    const base = { kind: 'connect_result', strategy: this.#strategy, target, attempt } as const;
    if (ok) {
      state.failures = 0;
      state.nextAttemptAt = 0;
      this.#ctx.report({ ...base, ok, durationMs: ended - started, at });
      return;
    }
    state.failures += 1;
    const retryInMs = backoffDelayMs(state.failures, this.#options, this.#options.random);
    state.nextAttemptAt = ended + retryInMs;
    this.#ctx.report({ ...base, ok, durationMs: ended - started, error, retryInMs, at });
    this.#ctx.logger.debug('discovery connect failed', {
      strategy: this.#strategy,
      target,
      attempt,
      error,
      retryInMs,
    });
  }

  #reportFound(): void {
    this.#ctx.report({
      kind: 'found',
      strategy: this.#strategy,
      targets: this.targets(),
      at: this.#ctx.clock.now(),
    });
  }
}

/** `name@host:port` → `host:port`; the node name is advisory for discovery. */
export function normalizeTarget(target: string): string {
  const at = target.lastIndexOf('@');
  return (at >= 0 ? target.slice(at + 1) : target).trim();
}

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
