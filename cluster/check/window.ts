/**
 * On a failure, the smallest evidence: the shortest failing prefix of the key's history (found
 * by bisection over its completions; a prefix cuts operations still running at its end open),
 * then a delta-debugging pass that relaxes operations — a read is dropped, a write or cas
 * becomes `info` (it may have happened at any point after its invoke, or never) — as long as
 * the rest still cannot be linearized. What stays strict is the window: relaxing any single one
 * of its operations makes the history linearizable (1-minimal), unless the budget ran out first.
 */
import type { Operation } from './history.ts';
import type { Model, Primitive } from './models.ts';
import { searchLinearization, type SearchBudget, type SearchOp } from './search.ts';

export interface Window {
  /**
   * the strict operations that cannot be linearized together, plus the writers of the values
   * their reads returned (context: who wrote what was seen), in invoke order
   */
  readonly operations: readonly Operation[];
  /** false when the budget ran out before the window was 1-minimal */
  readonly minimal: boolean;
}

/**
 * An operation that may not have happened and writes a value nobody observed can be taken as
 * never having happened: from any linearization that has it, removing it and moving the other
 * unknown operations it enabled to the end (where nothing observes them) gives another. Without
 * this, every timed-out write doubles the search space of a failing history.
 */
function unobserved(model: Model, o: Operation, observed: ReadonlySet<unknown>): boolean {
  const v = model.writes({ f: o.f, input: o.input, output: o.output, known: false });
  return v !== undefined && !observed.has(v);
}

/** SearchOps for `ops` with only `strict` kept as they completed (see the module comment). */
export function relaxedOps(
  model: Model,
  ops: readonly Operation[],
  strict: ReadonlySet<Operation>,
): SearchOp[] {
  // values some kept read returned or some cas expects: only writes of these can matter
  const observed = new Set<unknown>();
  for (const o of ops) {
    if (o.type === 'fail') continue;
    if (model.isRead(o.f)) {
      if (strict.has(o)) observed.add(o.output);
    } else if (o.f === 'cas') observed.add((o.input as unknown[])[0]);
  }
  const out: SearchOp[] = [];
  for (const o of ops) {
    if (o.type === 'fail') continue;
    const keep = strict.has(o);
    if (!keep && model.isRead(o.f)) continue;
    if (!keep && unobserved(model, o, observed)) continue;
    out.push({
      op: { f: o.f, input: o.input, output: o.output, known: keep },
      call: o.invokeLine,
      ret: keep ? (o.completeLine ?? Infinity) : Infinity,
    });
  }
  return out;
}

/** Every non-failed operation as it completed (`info` ones open, unknown reads dropped). */
export function asCompleted(model: Model, ops: readonly Operation[]): SearchOp[] {
  return relaxedOps(model, ops, new Set(ops.filter((o) => o.type === 'ok')));
}

/** The window of a key whose history (`ops`, in invoke order) is not linearizable. */
export function findWindow(
  model: Model,
  ops: readonly Operation[],
  budget: SearchBudget,
  maxChecks: number,
): Window {
  let checks = 0;
  let minimal = true;
  const fails = (prefix: readonly Operation[], strict: ReadonlySet<Operation>): boolean => {
    if (checks >= maxChecks || budget.now() > budget.deadline) {
      minimal = false;
      return false;
    }
    checks++;
    const r = searchLinearization(model, relaxedOps(model, prefix, strict), budget);
    if (r.verdict === 'unknown') minimal = false;
    return r.verdict === 'fail';
  };
  const prefixAt = (end: number): { prefix: Operation[]; strict: Set<Operation> } => {
    const prefix = ops.filter((o) => o.invokeLine < end);
    const strict = new Set(
      prefix.filter((o) => o.type === 'ok' && o.completeLine !== null && o.completeLine <= end),
    );
    return { prefix, strict };
  };

  // shortest failing prefix: hi is always a prefix seen to fail (the whole history does)
  const ends = ops
    .filter((o) => o.type === 'ok' && o.completeLine !== null)
    .map((o) => o.completeLine!)
    .sort((a, b) => a - b);
  let lo = 0;
  let hi = ends.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const p = prefixAt(ends[mid]!);
    if (fails(p.prefix, p.strict)) hi = mid;
    else lo = mid + 1;
  }
  const { prefix, strict } = prefixAt(ends[hi] ?? Infinity);

  // relax chunks, halving their size, while the rest still fails
  const fixed = [...strict].filter((o) => !model.isRead(o.f) && !model.relaxWrites);
  let kept = [...strict]
    .filter((o) => model.isRead(o.f) || model.relaxWrites)
    .sort((a, b) => a.invokeLine - b.invokeLine);
  for (let size = Math.max(1, kept.length >>> 1); ; size = Math.max(1, size >>> 1)) {
    let changed = false;
    for (let i = 0; i < kept.length;) {
      const trial = [...kept.slice(0, i), ...kept.slice(i + size)];
      if (trial.length + fixed.length > 0 && fails(prefix, new Set([...fixed, ...trial]))) {
        kept = trial;
        changed = true;
      } else i += size;
    }
    // single removals can enable earlier ones: repeat until none applies
    if (size === 1 && !changed) break;
  }
  const seen = new Set(kept.filter((o) => model.isRead(o.f)).map((o) => o.output as Primitive));
  const writers = prefix.filter((o) => {
    if (o.type === 'fail' || kept.includes(o) || fixed.includes(o)) return false;
    const v = model.writes({ f: o.f, input: o.input, output: o.output, known: true });
    return v !== undefined && v !== null && seen.has(v);
  });
  const operations = [...kept, ...fixed, ...writers].sort((a, b) => a.invokeLine - b.invokeLine);
  return { operations, minimal };
}
