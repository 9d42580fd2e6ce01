/**
 * Sequential specifications the checker linearizes against. A model's state is one primitive,
 * so that states compare with === and hash cheaply in the search's memo.
 */
import { UnknownModelError } from './errors.ts';

/** A register value, and every model state: JSON primitives only. */
export type Primitive = null | boolean | number | string;

/** The part of an operation a model steps over. */
export interface ModelOp {
  readonly f: string;
  /** the invoke's value: the written value, `[expected, new]` for cas, the amount for add */
  readonly input: unknown;
  /** the completion's value (what a read returned); ignored when `known` is false */
  readonly output: unknown;
  /** false for `info` (and never-completed) operations: they may or may not have happened */
  readonly known: boolean;
}

export interface Model {
  readonly name: ModelName;
  /** the operation names (`f`) this model accepts */
  readonly fs: readonly string[];
  readonly init: Primitive;
  /** true when `f` never changes the state: such an operation with an unknown outcome is dropped */
  isRead(f: string): boolean;
  /** why `value` is not valid for `f` on a line of type `type`, or undefined when it is */
  invalidValue(
    f: string,
    type: 'invoke' | 'ok' | 'fail' | 'info',
    value: unknown,
  ): string | undefined;
  /** the state after `op`, or undefined when `op` cannot happen in `state` */
  step(state: Primitive, op: ModelOp): Primitive | undefined;
  /** one line for a report: `write 3`, `cas 1→2`, `read → 2` */
  describe(op: ModelOp): string;
  /** the value `op` would leave for reads to see, when it is unique to it (register writes) */
  writes(op: ModelOp): Primitive | undefined;
  /**
   * whether a failure window may relax this model's writes to `info`: cheap for a register
   * (unobserved writes drop out, see window.ts), exponential for a counter (every open add
   * doubles the sums to try), whose windows therefore keep their adds
   */
  readonly relaxWrites: boolean;
}

export type ModelName = 'register' | 'counter';
export const MODEL_NAMES: readonly ModelName[] = ['register', 'counter'];

const isPrimitive = (v: unknown): v is Primitive =>
  v === null ||
  typeof v === 'string' ||
  typeof v === 'boolean' ||
  (typeof v === 'number' && Number.isFinite(v));

const show = (v: unknown): string => JSON.stringify(v) ?? 'undefined';

/** A read/write/compare-and-set register, initially null (Jepsen's nil). */
export const registerModel: Model = {
  name: 'register',
  fs: ['read', 'write', 'cas'],
  relaxWrites: true,
  init: null,
  isRead: (f) => f === 'read',
  invalidValue(f, type, value) {
    if (f === 'read') {
      if (type === 'ok' && !isPrimitive(value))
        return `an ok read's value must be null, a boolean, a finite number or a string, not ${show(value)}`;
      return undefined;
    }
    if (f === 'write') {
      return isPrimitive(value)
        ? undefined
        : `a write's value must be null, a boolean, a finite number or a string, not ${show(value)}`;
    }
    const pair = Array.isArray(value) && value.length === 2 && value.every(isPrimitive);
    return pair
      ? undefined
      : `a cas value must be [expected, new] (two primitives), not ${show(value)}`;
  },
  step(state, op) {
    if (op.f === 'read') return op.output === state ? state : undefined;
    if (op.f === 'write') return op.input as Primitive;
    const [expected, next] = op.input as [Primitive, Primitive];
    if (state === expected) return next;
    // an unknown cas whose compare would fail had no effect, whenever it ran
    return op.known ? undefined : state;
  },
  describe(op) {
    if (op.f === 'read') return op.known ? `read → ${show(op.output)}` : 'read → ?';
    if (op.f === 'write') return `write ${show(op.input)}`;
    const [expected, next] = op.input as [Primitive, Primitive];
    return `cas ${show(expected)}→${show(next)}`;
  },
  writes(op) {
    if (op.f === 'write') return op.input as Primitive;
    if (op.f === 'cas') return (op.input as [Primitive, Primitive])[1];
    return undefined;
  },
};

/** A counter: `add` a safe integer (may be negative), `read` the sum; initially 0. */
export const counterModel: Model = {
  name: 'counter',
  fs: ['add', 'read'],
  relaxWrites: false,
  init: 0,
  isRead: (f) => f === 'read',
  invalidValue(f, type, value) {
    if (f === 'read') {
      if (type === 'ok' && !Number.isSafeInteger(value))
        return `an ok read's value must be a safe integer, not ${show(value)}`;
      return undefined;
    }
    return Number.isSafeInteger(value)
      ? undefined
      : `an add's value must be a safe integer, not ${show(value)}`;
  },
  step(state, op) {
    if (op.f === 'read') return op.output === state ? state : undefined;
    return (state as number) + (op.input as number);
  },
  describe(op) {
    if (op.f === 'read') return op.known ? `read → ${show(op.output)}` : 'read → ?';
    return `add ${show(op.input)}`;
  },
  writes: () => undefined,
};

export function modelNamed(name: string): Model {
  if (name === 'register') return registerModel;
  if (name === 'counter') return counterModel;
  throw new UnknownModelError(name);
}
