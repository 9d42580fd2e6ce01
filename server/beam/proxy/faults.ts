/**
 * Faults the proxy applies to BEAM links, held per node as an agent holds them: each control
 * command (partition, latency, heal) arrives for one node with the peers it concerns, is applied
 * once per id, and reverts by itself when its time limit is up. A pair is cut when either node
 * holds a partition naming the other; a direction is delayed by the largest latency its sender
 * holds for its receiver.
 */
import type { CommandAck, ControlCommand } from '../../../protocol/control.ts';
import { controlCommandSchema } from '../../../protocol/control.ts';
import type { ActiveFault, NodeEvent } from '../../../protocol/telemetry.ts';
import { DEFAULT_MAX_PENDING_EVENTS, DEFAULT_REMEMBERED_COMMANDS } from './constants.ts';

/** Timers and clocks, injected so tests can drive them. */
export interface FaultClock {
  /** wall clock, ms since epoch, for `appliedAt` / `expiresAt` */
  now(): number;
  /** a handle `clearTimeout` takes; unref'd when it has `unref` */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemFaultClock: FaultClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

interface Held {
  readonly fault: ActiveFault;
  readonly timer: unknown;
}

export interface LinkDelay {
  readonly delayMs: number;
  readonly jitterMs: number;
}

export class ProxyFaults {
  private readonly held = new Map<string, Map<string, Held>>();
  private readonly acks = new Map<string, Map<string, { body: string; ack: CommandAck }>>();
  private readonly events = new Map<string, NodeEvent[]>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly clock: FaultClock = systemFaultClock) {}

  /** Called after every change, so connections re-check their pair. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies a control command for `node`, as an agent would, and answers with its ack. */
  command(node: string, input: unknown): CommandAck {
    const at = this.clock.now();
    const parsed = controlCommandSchema.safeParse(input);
    if (!parsed.success) {
      return {
        id: idOf(input),
        ok: false,
        error: { code: 'bad_command', message: parsed.error.message.slice(0, 1000) },
        appliedAt: at,
        expiresAt: null,
      };
    }
    const command = parsed.data;
    const seen = this.acks.get(node)?.get(command.id);
    const body = JSON.stringify(command);
    if (seen !== undefined) {
      if (seen.body === body) return { ...seen.ack, repeated: true };
      return {
        id: command.id,
        ok: false,
        error: { code: 'duplicate_conflict', message: `command ${command.id} was another command` },
        appliedAt: at,
        expiresAt: null,
      };
    }
    const ack = this.apply(node, command, at);
    this.remember(node, command.id, body, ack);
    return ack;
  }

  private apply(node: string, command: ControlCommand, at: number): CommandAck {
    switch (command.type) {
      case 'kill':
        return {
          id: command.id,
          ok: false,
          error: { code: 'unsupported', message: 'the distribution proxy does not kill nodes' },
          appliedAt: at,
          expiresAt: null,
        };
      case 'heal':
        this.revert(node, command.args?.peers, 'heal');
        this.changed();
        return { id: command.id, ok: true, appliedAt: at, expiresAt: null };
      case 'partition':
      case 'latency': {
        const expiresAt = at + command.ttlMs;
        const fault: ActiveFault = {
          id: command.id,
          kind: command.type,
          peers: [...command.args.peers],
          ...(command.type === 'latency' && {
            delayMs: command.args.delayMs,
            jitterMs: command.args.jitterMs,
          }),
          appliedAt: at,
          expiresAt,
        };
        const timer = this.clock.setTimeout(() => {
          if (this.held.get(node)?.get(command.id)?.fault === fault) {
            this.drop(node, command.id, 'ttl');
            this.changed();
          }
        }, command.ttlMs);
        (timer as { unref?(): void }).unref?.();
        let mine = this.held.get(node);
        if (mine === undefined) this.held.set(node, (mine = new Map<string, Held>()));
        mine.set(command.id, { fault, timer });
        this.event(node, {
          type: 'fault',
          at,
          action: 'applied',
          reason: 'command',
          id: command.id,
          kind: command.type,
          peers: fault.peers,
        });
        this.changed();
        return { id: command.id, ok: true, appliedAt: at, expiresAt };
      }
    }
  }

  /** Reverts every fault of every node (the proxy closing, or an operator's reset). */
  clear(): void {
    for (const node of [...this.held.keys()]) this.revert(node, undefined, 'heal');
    this.changed();
  }

  private revert(node: string, peers: readonly string[] | undefined, reason: 'heal'): void {
    for (const [id, h] of this.held.get(node) ?? []) {
      if (peers === undefined || h.fault.peers.some((p) => peers.includes(p))) {
        this.drop(node, id, reason);
      }
    }
  }

  private drop(node: string, id: string, reason: 'heal' | 'ttl'): void {
    const mine = this.held.get(node);
    const h = mine?.get(id);
    if (mine === undefined || h === undefined) return;
    this.clock.clearTimeout(h.timer);
    mine.delete(id);
    if (mine.size === 0) this.held.delete(node);
    const f = h.fault;
    this.event(node, {
      type: 'fault',
      at: this.clock.now(),
      action: 'reverted',
      reason,
      id,
      kind: f.kind,
      peers: f.peers,
    });
  }

  /** True when traffic between `a` and `b` is cut, in both directions. */
  cut(a: string, b: string): boolean {
    return this.names(a, 'partition', b) || this.names(b, 'partition', a);
  }

  /** The delay of what `from` sends to `to`, or undefined when none. */
  delay(from: string, to: string): LinkDelay | undefined {
    let best: LinkDelay | undefined;
    for (const { fault } of this.held.get(from)?.values() ?? []) {
      if (fault.kind !== 'latency' || !fault.peers.includes(to)) continue;
      const d = fault.delayMs ?? 0;
      if (best === undefined || d > best.delayMs)
        best = { delayMs: d, jitterMs: fault.jitterMs ?? 0 };
    }
    return best;
  }

  private names(node: string, kind: ActiveFault['kind'], peer: string): boolean {
    for (const { fault } of this.held.get(node)?.values() ?? []) {
      if (fault.kind === kind && fault.peers.includes(peer)) return true;
    }
    return false;
  }

  /** Faults `node` holds now, in the snapshot's shape. */
  active(node: string): ActiveFault[] {
    return [...(this.held.get(node)?.values() ?? [])].map((h) => h.fault);
  }

  /** Fault events of `node` since the last call. */
  takeEvents(node: string): NodeEvent[] {
    const e = this.events.get(node) ?? [];
    this.events.delete(node);
    return e;
  }

  private event(node: string, e: NodeEvent): void {
    let list = this.events.get(node);
    if (list === undefined) this.events.set(node, (list = []));
    if (list.length >= DEFAULT_MAX_PENDING_EVENTS) list.shift();
    list.push(e);
  }

  private remember(node: string, id: string, body: string, ack: CommandAck): void {
    let mine = this.acks.get(node);
    if (mine === undefined) {
      mine = new Map<string, { body: string; ack: CommandAck }>();
      this.acks.set(node, mine);
    }
    if (mine.size >= DEFAULT_REMEMBERED_COMMANDS) mine.delete(mine.keys().next().value as string);
    mine.set(id, { body, ack });
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

function idOf(input: unknown): string {
  const id = (input as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id.slice(0, 128) : '';
}
