import type { Clock, FaultControl, LatencyFault, Logger, NodeName } from '../cluster/api.ts';
import type { CommandAck, CommandErrorCode, ControlCommand } from '../protocol/control.ts';
import { MAX_COMMAND_ID_CHARS, controlCommandSchema } from '../protocol/control.ts';
import type { ActiveFault, NodeEvent } from '../protocol/telemetry.ts';
import { DEFAULT_KILL_DELAY_MS, DEFAULT_REMEMBERED_COMMANDS } from './defaults.ts';

export type RevertReason = 'ttl' | 'heal' | 'unreachable' | 'detach';

export interface ControlExecutorOptions {
  /** this node's name: a command may not cut a node off from itself */
  readonly self: NodeName;
  readonly faults: FaultControl;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** where applied/reverted faults and executed commands are reported */
  readonly emit: (event: NodeEvent) => void;
  /** runs after a kill was acknowledged; absent means kill is unsupported */
  readonly onKill?: (command: ControlCommand) => void;
  /** default DEFAULT_KILL_DELAY_MS */
  readonly killDelayMs?: number;
  /** default DEFAULT_REMEMBERED_COMMANDS */
  readonly rememberCommands?: number;
}

interface Fault {
  readonly id: string;
  readonly kind: 'partition' | 'latency';
  peers: NodeName[];
  readonly latency?: LatencyFault;
  readonly appliedAt: number;
  readonly expiresAt: number;
  readonly timer: unknown;
}

/**
 * Carries out control commands against the node's `FaultControl`. Faults are kept as a set with
 * their own timers; what the link layer sees is recomputed from the whole set after each change,
 * so two overlapping partitions on one peer keep it blackholed until both are gone.
 */
export class ControlExecutor {
  private readonly active = new Map<string, Fault>();
  private readonly answered = new Map<string, { body: string; ack: CommandAck }>();
  private readonly blackholed = new Set<NodeName>();
  private readonly delayed = new Map<NodeName, LatencyFault>();
  private readonly killDelayMs: number;
  private readonly remember: number;

  constructor(private readonly options: ControlExecutorOptions) {
    this.killDelayMs = options.killDelayMs ?? DEFAULT_KILL_DELAY_MS;
    this.remember = options.rememberCommands ?? DEFAULT_REMEMBERED_COMMANDS;
  }

  /** Validates and runs a command; never throws. A repeated id gets the first answer back. */
  execute(raw: unknown): CommandAck {
    const now = this.options.clock.now();
    const parsed = controlCommandSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      return failure(rawId(raw), 'bad_command', `invalid command: ${issues}`, now);
    }
    const command = parsed.data;
    const body = JSON.stringify(command);
    const previous = this.answered.get(command.id);
    if (previous !== undefined) {
      if (previous.body !== body) {
        return failure(
          command.id,
          'duplicate_conflict',
          `command id ${command.id} was already used for a different command`,
          now,
        );
      }
      return { ...previous.ack, repeated: true };
    }
    const ack = this.run(command, now);
    this.answered.set(command.id, { body, ack });
    if (this.answered.size > this.remember) {
      const oldest = this.answered.keys().next().value;
      if (oldest !== undefined) this.answered.delete(oldest);
    }
    const event: NodeEvent = {
      type: 'command',
      at: now,
      id: command.id,
      kind: command.type,
      ok: ack.ok,
    };
    if (ack.error !== undefined) event.detail = ack.error.message;
    this.options.emit(event);
    return ack;
  }

  /** Faults in force, for the snapshot. */
  list(): ActiveFault[] {
    return [...this.active.values()].map((f) => {
      const row: ActiveFault = {
        id: f.id,
        kind: f.kind,
        peers: [...f.peers],
        appliedAt: f.appliedAt,
        expiresAt: f.expiresAt,
      };
      if (f.latency !== undefined) {
        row.delayMs = f.latency.delayMs;
        row.jitterMs = f.latency.jitterMs;
      }
      return row;
    });
  }

  /** Reverts every fault this executor set (server unreachable too long, or agent detached). */
  revertAll(reason: RevertReason): void {
    for (const id of [...this.active.keys()]) this.remove(id, reason);
    this.reconcile();
  }

  private run(command: ControlCommand, now: number): CommandAck {
    switch (command.type) {
      case 'kill': {
        const onKill = this.options.onKill;
        if (onKill === undefined)
          return failure(command.id, 'unsupported', 'this node does not accept kill', now);
        // Delayed so the ack can leave the socket before the process goes away.
        this.options.clock.setTimeout(() => {
          try {
            onKill(command);
          } catch (error) {
            this.options.logger?.error('onKill threw', { error: String(error) });
          }
        }, this.killDelayMs);
        return { id: command.id, ok: true, appliedAt: now, expiresAt: null };
      }
      case 'partition':
      case 'latency': {
        const peers = [...new Set(command.args.peers)];
        if (peers.includes(this.options.self)) {
          return failure(
            command.id,
            'bad_command',
            `peers must not include this node (${this.options.self})`,
            now,
          );
        }
        const expiresAt = now + command.ttlMs;
        const timer = this.options.clock.setTimeout(() => {
          this.remove(command.id, 'ttl');
          this.reconcile();
        }, command.ttlMs);
        const fault: Fault =
          command.type === 'latency'
            ? {
                id: command.id,
                kind: 'latency',
                peers,
                latency: { delayMs: command.args.delayMs, jitterMs: command.args.jitterMs },
                appliedAt: now,
                expiresAt,
                timer,
              }
            : { id: command.id, kind: 'partition', peers, appliedAt: now, expiresAt, timer };
        this.active.set(command.id, fault);
        const error = this.reconcile();
        if (error !== undefined) {
          this.options.clock.clearTimeout(timer);
          this.active.delete(command.id);
          this.reconcile();
          return failure(command.id, 'fault_failed', error, now);
        }
        this.options.emit({
          type: 'fault',
          at: now,
          action: 'applied',
          reason: 'command',
          id: command.id,
          kind: fault.kind,
          peers,
        });
        return { id: command.id, ok: true, appliedAt: now, expiresAt };
      }
      case 'heal':
        return this.heal(command.id, command.args?.peers, now);
    }
  }

  private heal(id: string, peers: NodeName[] | undefined, now: number): CommandAck {
    try {
      if (peers === undefined) {
        this.revertAll('heal');
        this.options.faults.clear();
        this.blackholed.clear();
        this.delayed.clear();
      } else {
        const healed = new Set(peers);
        for (const fault of [...this.active.values()]) {
          const cut = fault.peers.filter((p) => healed.has(p));
          if (cut.length === 0) continue;
          fault.peers = fault.peers.filter((p) => !healed.has(p));
          if (fault.peers.length === 0) this.remove(fault.id, 'heal');
          else
            this.options.emit({
              type: 'fault',
              at: now,
              action: 'reverted',
              reason: 'heal',
              id: fault.id,
              kind: fault.kind,
              peers: cut,
            });
        }
        this.reconcile();
        // Heal means healthy links, also from faults set by other means than this agent.
        for (const peer of healed) {
          this.options.faults.unblackhole(peer);
          this.options.faults.setLatency(peer, null);
        }
      }
    } catch (error) {
      return failure(id, 'fault_failed', String(error), now);
    }
    return { id, ok: true, appliedAt: now, expiresAt: null };
  }

  private remove(id: string, reason: RevertReason): void {
    const fault = this.active.get(id);
    if (fault === undefined) return;
    this.active.delete(id);
    this.options.clock.clearTimeout(fault.timer);
    this.options.emit({
      type: 'fault',
      at: this.options.clock.now(),
      action: 'reverted',
      reason,
      id,
      kind: fault.kind,
      peers: [...fault.peers],
    });
  }

  /** Makes the link layer match the active set; returns the first error, if any. */
  private reconcile(): string | undefined {
    const wantHole = new Set<NodeName>();
    const wantDelay = new Map<NodeName, LatencyFault>();
    // Map iteration is insertion order, so the latest latency command on a peer wins.
    for (const fault of this.active.values()) {
      for (const peer of fault.peers) {
        if (fault.kind === 'partition') wantHole.add(peer);
        else if (fault.latency !== undefined) wantDelay.set(peer, fault.latency);
      }
    }
    const faults = this.options.faults;
    let firstError: string | undefined;
    const attempt = (fn: () => void): void => {
      try {
        fn();
      } catch (error) {
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    };
    for (const peer of [...this.blackholed]) {
      if (!wantHole.has(peer)) {
        attempt(() => faults.unblackhole(peer));
        this.blackholed.delete(peer);
      }
    }
    for (const peer of wantHole) {
      if (!this.blackholed.has(peer)) {
        attempt(() => faults.blackhole(peer));
        this.blackholed.add(peer);
      }
    }
    for (const peer of [...this.delayed.keys()]) {
      if (!wantDelay.has(peer)) {
        attempt(() => faults.setLatency(peer, null));
        this.delayed.delete(peer);
      }
    }
    for (const [peer, latency] of wantDelay) {
      if (this.delayed.get(peer) !== latency) {
        attempt(() => faults.setLatency(peer, latency));
        this.delayed.set(peer, latency);
      }
    }
    if (firstError !== undefined)
      this.options.logger?.warn('fault control failed', { error: firstError });
    return firstError;
  }
}

function rawId(raw: unknown): string {
  if (typeof raw === 'object' && raw !== null && 'id' in raw) {
    const id = raw.id;
    if (typeof id === 'string' && id.length <= MAX_COMMAND_ID_CHARS) return id;
  }
  return '';
}

function failure(id: string, code: CommandErrorCode, message: string, now: number): CommandAck {
  return { id, ok: false, error: { code, message }, appliedAt: now, expiresAt: null };
}
