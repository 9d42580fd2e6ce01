/**
 * Histories that are linearizable by construction, for property tests and the checker's
 * benchmark: a simulation of clients over a sequential register (or counter) per key, where each
 * operation takes effect at one instant between its invoke and its completion. Written values
 * are unique (1, 2, 3, …), so a mutation that moves or repeats one is detectable.
 */
import type { HistoryEvent } from '../history.ts';
import type { ModelName, Primitive } from '../models.ts';
import { seededRandom } from '../../random.ts';

export interface GenerateOptions {
  readonly model: ModelName;
  /** operations to invoke */
  readonly operations: number;
  /** concurrent clients */
  readonly processes: number;
  readonly keys: number;
  /** uniform in [0, 1) */
  readonly random: () => number;
  /** chance that a client crashes (its operation ends `info`, it comes back as a new process); default 0.05 */
  readonly crashRate?: number;
  /** streams the events here instead of keeping them (and the ops) in memory: big histories */
  readonly sink?: (e: HistoryEvent) => void;
}

/** One generated operation: the positions of its events in `events`. */
export interface GeneratedOp {
  readonly f: string;
  readonly key: string;
  readonly input: Primitive | [Primitive, Primitive];
  output: Primitive | undefined;
  type: 'ok' | 'fail' | 'info' | 'pending';
  readonly invoke: number;
  complete: number | null;
  /** took effect in the simulation (false for a crash before its instant, or a failed cas) */
  applied: boolean;
}

export interface Generated {
  readonly events: HistoryEvent[];
  readonly ops: GeneratedOp[];
}

interface Client {
  id: number;
  op: GeneratedOp | null;
  /** the op's instant has passed */
  done: boolean;
}

/** A deterministic PRNG (mulberry32) for reproducible histories. */
export const seeded = seededRandom;

export function generateHistory(o: GenerateOptions): Generated {
  const { random } = o;
  const crashRate = o.crashRate ?? 0.05;
  const pick = (n: number): number => Math.floor(random() * n);
  const state = new Map<string, Primitive>();
  const init: Primitive = o.model === 'register' ? null : 0;
  const events: HistoryEvent[] = [];
  const ops: GeneratedOp[] = [];
  const clients: Client[] = Array.from({ length: o.processes }, (_, id) => ({
    id,
    op: null,
    done: false,
  }));
  let nextValue = 1;
  let nextProcess = o.processes;
  let invoked = 0;
  let count = 0;
  const emit = (c: Client, type: HistoryEvent['type'], op: GeneratedOp, value: unknown): number => {
    const e: HistoryEvent = {
      index: count,
      process: c.id,
      type,
      f: op.f,
      key: op.key,
      value,
      time: count * 1000,
    };
    if (o.sink) o.sink(e);
    else events.push(e);
    return count++;
  };
  const busy = (): boolean => clients.some((c) => c.op !== null);

  while (invoked < o.operations || busy()) {
    const c = clients[pick(clients.length)]!;
    if (c.op === null) {
      if (invoked >= o.operations) continue;
      invoked++;
      const key = `k${pick(o.keys)}`;
      const current = state.get(key) ?? init;
      const roll = random();
      let f: string;
      let input: GeneratedOp['input'];
      if (o.model === 'counter') {
        f = roll < 0.6 ? 'add' : 'read';
        input = f === 'add' ? 1 + pick(5) : null;
      } else if (roll < 0.4) {
        f = 'write';
        input = nextValue++;
      } else if (roll < 0.55) {
        f = 'cas';
        // half the time from the current value, so that some succeed
        input = [random() < 0.5 ? current : pick(nextValue), nextValue++];
      } else {
        f = 'read';
        input = null;
      }
      const op: GeneratedOp = {
        f,
        key,
        input,
        output: undefined,
        type: 'pending',
        invoke: -1,
        complete: null,
        applied: false,
      };
      (op as { invoke: number }).invoke = emit(c, 'invoke', op, f === 'read' ? null : input);
      if (!o.sink) ops.push(op);
      c.op = op;
      c.done = false;
      continue;
    }
    const op = c.op;
    const crash = random() < crashRate;
    if (!c.done && !crash) {
      // the operation's instant
      const current = state.get(op.key) ?? init;
      if (op.f === 'read') op.output = current;
      else if (op.f === 'write') {
        state.set(op.key, op.input as Primitive);
        op.applied = true;
      } else if (op.f === 'add') {
        state.set(op.key, (current as number) + (op.input as number));
        op.applied = true;
      } else {
        const [expected, next] = op.input as [Primitive, Primitive];
        op.applied = current === expected;
        if (op.applied) state.set(op.key, next);
      }
      c.done = true;
      continue;
    }
    if (crash && op.f !== 'read') {
      // the client gives up: maybe before the instant, maybe after; it never comes back as itself
      op.type = 'info';
      op.complete = emit(c, 'info', op, op.input);
      c.id = nextProcess++;
    } else if (op.f === 'cas' && !op.applied) {
      op.type = 'fail';
      op.complete = emit(c, 'fail', op, op.input);
    } else if (!c.done) {
      continue; // a read does not crash before its instant here
    } else {
      op.type = 'ok';
      op.complete = emit(c, 'ok', op, op.f === 'read' ? op.output : op.input);
    }
    c.op = null;
  }
  return { events, ops };
}

/** The history as file lines. */
export function toLines(events: readonly HistoryEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n');
}
