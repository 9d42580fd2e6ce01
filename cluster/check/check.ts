/**
 * Checks a history for linearizability, key by key (P-compositionality: a history is
 * linearizable iff each key's sub-history is), within a budget: a key whose search runs out of
 * states or time is `unknown`, and so is the whole history unless some key failed — never `pass`.
 */
import {
  DEFAULT_CHECK_MAX_STATES,
  DEFAULT_CHECK_TIME_MS,
  DEFAULT_MAX_REPORTED_FAILURES,
  DEFAULT_WINDOW_CHECKS,
  DEFAULT_WINDOW_MAX_STATES,
  DEFAULT_WINDOW_TIME_MS,
} from './constants.ts';
import type { History, Operation } from './history.ts';
import type { Model, ModelName } from './models.ts';
import { searchLinearization, type SearchBudget } from './search.ts';
import { asCompleted, findWindow } from './window.ts';

export type Verdict = 'pass' | 'fail' | 'unknown';

export interface CheckOptions {
  readonly model: Model;
  /** default DEFAULT_CHECK_MAX_STATES, per key */
  readonly maxStates?: number;
  /** default DEFAULT_CHECK_TIME_MS, for the whole check */
  readonly timeMs?: number;
  /** monotonic ms; default performance.now */
  readonly now?: () => number;
  /** default DEFAULT_WINDOW_CHECKS */
  readonly windowChecks?: number;
  /** default DEFAULT_WINDOW_TIME_MS, per failing key */
  readonly windowTimeMs?: number;
  /** default DEFAULT_MAX_REPORTED_FAILURES */
  readonly maxReportedFailures?: number;
}

/** One operation of a failure window, as a report shows it. */
export interface WindowOp {
  readonly process: number;
  readonly f: string;
  /** `write 3`, `cas 1→2`, `read → 2` */
  readonly op: string;
  readonly type: Operation['type'];
  readonly value: unknown;
  readonly invokeIndex: number;
  readonly completeIndex: number | null;
  /** ns since the run's start */
  readonly invokeTime: number;
  readonly completeTime: number | null;
}

export interface KeyFailure {
  readonly key: string | number;
  /** operations of this key in the history */
  readonly operations: number;
  readonly window: readonly WindowOp[];
  /** false when the shrinking budget ran out (the window is correct but may not be smallest) */
  readonly minimal: boolean;
  /** ns: the window's first invoke and last completion */
  readonly from: number;
  readonly to: number;
}

export interface LinearizabilityReport {
  readonly verdict: Verdict;
  readonly model: ModelName;
  readonly operations: number;
  readonly ok: number;
  readonly failed: number;
  readonly info: number;
  readonly keys: number;
  readonly keysFailed: number;
  readonly keysUnknown: number;
  /** memoised states the searches visited, all keys together */
  readonly states: number;
  readonly elapsedMs: number;
  /** the first failing keys, each with its window */
  readonly failures: readonly KeyFailure[];
  readonly unknownKeys: readonly { key: string | number; reason: 'states' | 'time' }[];
  readonly nemesisEvents: number;
}

function windowOp(model: Model, o: Operation): WindowOp {
  return {
    process: o.process,
    f: o.f,
    op: model.describe({ f: o.f, input: o.input, output: o.output, known: o.type === 'ok' }),
    type: o.type,
    value: model.isRead(o.f) ? o.output : o.input,
    invokeIndex: o.invokeIndex,
    completeIndex: o.completeIndex,
    invokeTime: o.invokeTime,
    completeTime: o.completeTime,
  };
}

/** Checks `history` against `options.model`; see LinearizabilityReport. */
export function checkLinearizability(
  history: History,
  options: CheckOptions,
): LinearizabilityReport {
  const { model } = options;
  const now = options.now ?? (() => performance.now());
  const started = now();
  const budget: SearchBudget = {
    maxStates: options.maxStates ?? DEFAULT_CHECK_MAX_STATES,
    deadline: started + (options.timeMs ?? DEFAULT_CHECK_TIME_MS),
    now,
  };
  const maxReported = options.maxReportedFailures ?? DEFAULT_MAX_REPORTED_FAILURES;

  const byKey = new Map<string, Operation[]>();
  let ok = 0;
  let failed = 0;
  let info = 0;
  for (const o of history.operations) {
    if (o.type === 'ok') ok++;
    else if (o.type === 'fail') failed++;
    else info++;
    // 1 and "1" are different keys
    const id = typeof o.key === 'number' ? `#${o.key}` : `$${o.key}`;
    const list = byKey.get(id);
    if (list) list.push(o);
    else byKey.set(id, [o]);
  }

  let states = 0;
  let keysFailed = 0;
  const failures: KeyFailure[] = [];
  const unknownKeys: { key: string | number; reason: 'states' | 'time' }[] = [];
  for (const ops of byKey.values()) {
    const key = ops[0]!.key;
    const r = searchLinearization(model, asCompleted(model, ops), budget);
    states += r.states;
    if (r.verdict === 'unknown') {
      unknownKeys.push({ key, reason: r.reason });
      continue;
    }
    if (r.verdict === 'pass') continue;
    keysFailed++;
    if (failures.length >= maxReported) continue;
    const windowBudget: SearchBudget = {
      maxStates: Math.min(budget.maxStates, DEFAULT_WINDOW_MAX_STATES),
      deadline: Math.min(budget.deadline, now() + (options.windowTimeMs ?? DEFAULT_WINDOW_TIME_MS)),
      now,
    };
    const w = findWindow(model, ops, windowBudget, options.windowChecks ?? DEFAULT_WINDOW_CHECKS);
    const window = w.operations.map((o) => windowOp(model, o));
    failures.push({
      key,
      operations: ops.length,
      window,
      minimal: w.minimal,
      from: Math.min(...w.operations.map((o) => o.invokeTime)),
      to: Math.max(...w.operations.map((o) => o.completeTime ?? o.invokeTime)),
    });
  }
  const verdict: Verdict = keysFailed > 0 ? 'fail' : unknownKeys.length > 0 ? 'unknown' : 'pass';
  return {
    verdict,
    model: model.name,
    operations: history.operations.length,
    ok,
    failed,
    info,
    keys: byKey.size,
    keysFailed,
    keysUnknown: unknownKeys.length,
    states,
    elapsedMs: now() - started,
    failures,
    unknownKeys: unknownKeys.slice(0, maxReported),
    nemesisEvents: history.nemesis.length,
  };
}

/** A few lines for people: the verdict, counts, and each failure's window. */
export function formatLinearizability(r: LinearizabilityReport): string {
  const lines = [
    `linearizability (${r.model}): ${r.verdict.toUpperCase()}`,
    `  ${r.operations} operations (${r.ok} ok, ${r.failed} fail, ${r.info} info) over ${r.keys} keys, ${r.nemesisEvents} nemesis events`,
    `  ${r.states} states searched in ${r.elapsedMs.toFixed(0)} ms`,
  ];
  if (r.keysFailed > 0) lines.push(`  ${r.keysFailed} keys not linearizable`);
  for (const f of r.failures) {
    lines.push(
      `  key ${JSON.stringify(f.key)}: no linearization of these ${f.window.length} operations${f.minimal ? '' : ' (not shrunk to the smallest: budget ran out)'}`,
    );
    for (const w of f.window) {
      const end = w.completeIndex === null ? 'never completed' : `${w.type} at #${w.completeIndex}`;
      lines.push(`    process ${w.process}: ${w.op}  (invoke #${w.invokeIndex}, ${end})`);
    }
  }
  if (r.keysUnknown > 0)
    lines.push(
      `  ${r.keysUnknown} keys unknown (budget ran out: ${[...new Set(r.unknownKeys.map((u) => u.reason))].join(', ')})`,
    );
  return lines.join('\n');
}
