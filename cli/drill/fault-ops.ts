/**
 * Did the clients work while the faults lasted? A drill whose clients completed no operation
 * during a fault proves nothing about that fault: the checkers pass on a history that never met
 * it. For each fault interval of the drill's nemesis events (protocol/drill-faults.ts) this
 * counts the client operations that completed inside it (ok, fail or info: each reached the
 * system while it was broken), and the expectation built on it fails when any count is 0.
 */
import { FaultTracker } from '../../protocol/drill-faults.ts';
import type { NemesisLine } from './clients.ts';
import type { Expectation } from './report.ts';

const NS_PER_MS = 1e6;

export interface FaultOps {
  readonly f: string;
  /** ms since the drill's start (the history's clock) */
  readonly startMs: number;
  /** null: still open when the drill ended (then counted up to the last operation) */
  readonly endMs: number | null;
  /** client operations that completed within the fault, of every workload */
  readonly opsDuringFault: number;
  /** of those, the acknowledged ones */
  readonly okDuringFault: number;
}

/** One completed client operation: its completion time (ns since t0) and outcome. */
export interface Completion {
  readonly time: number;
  readonly type: 'ok' | 'fail' | 'info';
}

/** The faults of `nemesis` (in time order) with the completions each saw. */
export function opsDuringFaults(
  nemesis: readonly NemesisLine[],
  completions: readonly Completion[],
): FaultOps[] {
  const tracker = new FaultTracker();
  for (const n of nemesis) tracker.push(n.f, n.time / NS_PER_MS, n.value);
  const times = completions.map((c) => ({ ms: c.time / NS_PER_MS, ok: c.type === 'ok' }));
  return tracker.intervals().map((i) => {
    const end = i.endMs ?? Infinity;
    let ops = 0;
    let ok = 0;
    for (const c of times) {
      if (c.ms < i.startMs || c.ms > end) continue;
      ops++;
      if (c.ok) ok++;
    }
    return {
      f: i.f,
      startMs: Math.round(i.startMs),
      endMs: i.endMs === null ? null : Math.round(i.endMs),
      opsDuringFault: ops,
      okDuringFault: ok,
    };
  });
}

export const CLIENTS_THROUGH_FAULTS = 'clients worked through every fault';

/** The expectation: at least one client operation completed during every fault. */
export function faultsExpectation(faults: readonly FaultOps[]): Expectation {
  const idle = faults.filter((f) => f.opsDuringFault === 0);
  return {
    name: CLIENTS_THROUGH_FAULTS,
    pass: faults.length > 0 && idle.length === 0,
    detail:
      faults.length === 0
        ? 'no fault in the history'
        : idle.length === 0
          ? `${faults.length} faults, ${Math.min(...faults.map((f) => f.opsDuringFault))}+ operations each`
          : `no operation completed during ${idle.map((f) => `${f.f} at +${(f.startMs / 1000).toFixed(1)} s`).join(', ')}: the run proves nothing about it`,
  };
}
